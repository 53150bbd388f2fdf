import type { Registry } from 'prom-client';
import { deadlineSignal } from '../../core/deadline.js';
import { hostOfHaNode } from '../../inventory/ha-names.js';
import { capacityOf } from '../../inventory/preflight/capacity-plan.js';
import type { Inventory } from '../../inventory/schema.js';
import { sshLoginOf } from '../../inventory/ssh-login.js';
import type { CollectContext, Collector } from '../collector.js';
import { gaugeFamily, registerGauge } from '../metric-family.js';
import { crmMonOfScrape } from './cluster-crm-mon.js';
import { poolHaOfScrape } from './cluster-xapi.js';
import { sshPoolOf } from './host-ssh.js';

/*
 * Can the cluster still absorb the failures it promises to? The preflight
 * capacity plan (inventory/preflight/capacity-plan.ts), fed with the hosts
 * that are live now: online per Pacemaker (not standby, not unclean), live
 * and enabled per XAPI, or answering SSH when there is no HA manager.
 */

export const HA_READINESS_METRICS = {
  tolerated: gaugeFamily(
    'havoc_ha_failures_tolerated',
    'Largest number of live hosts that may fail with every "restart" VM still placed on the survivors (inventory capacity plan); -1 when even the current placement does not fit. Absent when the plan could not decide (havoc_ha_capacity_unknown 1).',
  ),
  capacityUnknown: gaugeFamily(
    'havoc_ha_capacity_unknown',
    '1 when the capacity plan ran out of its search budget before deciding how many live hosts may fail (havoc_ha_failures_tolerated is then absent; preflight reports capacity.unknown), else 0.',
  ),
  toTolerate: gaugeFamily(
    'havoc_ha_failures_to_tolerate',
    'Host failures the cluster must absorb (inventory cluster.failuresToTolerate).',
  ),
  hostLive: gaugeFamily('havoc_ha_host_live', '1 when the host counts as live for the capacity plan.', [
    'host',
  ]),
  liveSource: gaugeFamily(
    'havoc_ha_live_hosts_source_info',
    'Where the live host set came from (pacemaker, xapi, ssh); value 1.',
    ['source'],
  ),
} as const;

// A host that does not answer within this is not live; the scrape deadline stays for the rest.
const REACH_MS = 3000;

/** The inventory names of the HA manager's nodes (inventory/ha-names.ts); nodes it does not list are left out. */
function inventoryHosts(inv: Inventory, nodes: readonly string[]): Set<string> {
  return new Set(nodes.flatMap((n) => hostOfHaNode(inv, n)?.name ?? []));
}

async function liveHosts(ctx: CollectContext): Promise<{ source: string; live: Set<string> }> {
  const inv = ctx.loaded.inventory;
  const hm = inv.haManager;
  if (hm?.type === 'pacemaker') {
    const { status } = await crmMonOfScrape(ctx);
    return {
      source: 'pacemaker',
      live: inventoryHosts(
        inv,
        status.nodes.filter((n) => n.online && !n.standby && !n.unclean).map((n) => n.name),
      ),
    };
  }
  if (hm?.type === 'xapi') {
    const snap = await poolHaOfScrape(ctx);
    return {
      source: 'xapi',
      live: inventoryHosts(
        inv,
        snap.hosts.filter((h) => h.live === true && h.enabled).map((h) => h.nameLabel),
      ),
    };
  }
  const pool = sshPoolOf(ctx);
  const answers = await Promise.all(
    inv.hosts.map(async (h) => {
      try {
        await pool.exec(sshLoginOf(h), 'true', {
          signal: deadlineSignal(REACH_MS, `SSH reachability of ${h.name}`, ctx.signal),
          what: 'a reachability check',
        });
        return h.name;
      } catch {
        return undefined;
      }
    }),
  );
  return { source: 'ssh', live: new Set(answers.filter((n): n is string => n !== undefined)) };
}

export const haReadinessCollector: Collector = {
  name: 'ha-readiness',
  module: 'cluster',
  metrics: Object.values(HA_READINESS_METRICS),
  appliesTo(target, ctx) {
    return target === ctx.loaded.inventory.cluster.name;
  },
  async collect(_target, registry, ctx) {
    const inv = ctx.loaded.inventory;
    const { source, live } = await liveHosts(ctx);
    renderCapacity(inv, live, registry);
    registerGauge(registry, HA_READINESS_METRICS.liveSource).set({ source }, 1);
  },
};

/** The capacity plan over the live hosts, as gauges. */
export function renderCapacity(inv: Inventory, live: ReadonlySet<string>, registry: Registry): void {
  const g = (k: keyof typeof HA_READINESS_METRICS) => registerGauge(registry, HA_READINESS_METRICS[k]);
  const capacity = capacityOf(inv, live);
  // An undecided search is not an answer: no number rather than a lower bound that reads as exact.
  if (!capacity.undecided) g('tolerated').set(capacity.tolerated);
  g('capacityUnknown').set(capacity.undecided ? 1 : 0);
  g('toTolerate').set(inv.cluster.failuresToTolerate);
  const hostLive = g('hostLive');
  for (const h of inv.hosts) hostLive.set({ host: h.name }, live.has(h.name) ? 1 : 0);
}
