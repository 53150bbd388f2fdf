import type { Registry } from 'prom-client';
import { xapiLoginOf } from '../../inventory/xapi-login.js';
import { type PoolHaSnapshot, readPoolHa } from '../../protocols/xapi/index.js';
import type { CollectContext, Collector } from '../collector.js';
import { gaugeFamily, registerGauge } from '../metric-family.js';

/*
 * XenServer / XCP-ng pool HA through XAPI JSON-RPC: what the pool itself
 * computes (failures to tolerate, the plan, overcommit) and host liveness.
 * The target is the cluster's name.
 */

export const XAPI_METRICS = {
  haEnabled: gaugeFamily('havoc_xapi_ha_enabled', 'pool.ha_enabled: 1 when pool HA is on.'),
  toTolerate: gaugeFamily(
    'havoc_xapi_ha_host_failures_to_tolerate',
    'pool.ha_host_failures_to_tolerate: host failures HA is configured to absorb.',
  ),
  planExistsFor: gaugeFamily(
    'havoc_xapi_ha_plan_exists_for',
    'pool.ha_plan_exists_for: host failures the current HA plan covers (below failures to tolerate = HA cannot keep its promise).',
  ),
  overcommitted: gaugeFamily(
    'havoc_xapi_ha_overcommitted',
    'pool.ha_overcommitted: 1 when the pool cannot guarantee restart of protected VMs.',
  ),
  allowOvercommit: gaugeFamily('havoc_xapi_ha_allow_overcommit', 'pool.ha_allow_overcommit.'),
  hostLive: gaugeFamily(
    'havoc_xapi_host_live',
    'host_metrics.live: 1 when XAPI sees the host alive (absent when the host has no metrics record).',
    ['host'],
  ),
  hostEnabled: gaugeFamily(
    'havoc_xapi_host_enabled',
    'host.enabled: 0 while the host is disabled (maintenance, evacuation).',
    ['host'],
  ),
  master: gaugeFamily('havoc_xapi_pool_master_info', 'The pool master; value 1.', ['host']),
} as const;

export function renderPoolHa(snap: PoolHaSnapshot, registry: Registry): void {
  const m = Object.fromEntries(
    Object.entries(XAPI_METRICS).map(([k, f]) => [k, registerGauge(registry, f)]),
  ) as Record<keyof typeof XAPI_METRICS, ReturnType<typeof registerGauge>>;
  m.haEnabled.set(snap.pool.haEnabled ? 1 : 0);
  m.toTolerate.set(snap.pool.hostFailuresToTolerate);
  m.planExistsFor.set(snap.pool.planExistsFor);
  m.overcommitted.set(snap.pool.overcommitted ? 1 : 0);
  m.allowOvercommit.set(snap.pool.allowOvercommit ? 1 : 0);
  for (const h of snap.hosts) {
    const l = { host: h.nameLabel };
    if (h.live !== undefined) m.hostLive.set(l, h.live ? 1 : 0);
    m.hostEnabled.set(l, h.enabled ? 1 : 0);
    if (h.isMaster) m.master.set(l, 1);
  }
}

const MEMO_KEY = 'cluster-xapi-by-scrape';

/** One XAPI read per scrape, shared with the HA-readiness collector. */
export function poolHaOfScrape(ctx: CollectContext): Promise<PoolHaSnapshot> {
  let memo = ctx.cache.get(MEMO_KEY) as WeakMap<AbortSignal, Promise<PoolHaSnapshot>> | undefined;
  if (!memo) {
    memo = new WeakMap();
    ctx.cache.set(MEMO_KEY, memo);
  }
  let pending = memo.get(ctx.signal);
  if (!pending) {
    pending = readPoolHa(xapiLoginOf(ctx.loaded), {
      signal: ctx.signal,
      timeoutMs: 30_000,
      redactor: ctx.loaded.redactor,
    });
    memo.set(ctx.signal, pending);
  }
  return pending;
}

export const xapiCollector: Collector = {
  name: 'xapi',
  module: 'cluster',
  metrics: Object.values(XAPI_METRICS),
  appliesTo(target, ctx) {
    const inv = ctx.loaded.inventory;
    return target === inv.cluster.name && inv.haManager?.type === 'xapi';
  },
  async collect(_target, registry, ctx) {
    renderPoolHa(await poolHaOfScrape(ctx), registry);
  },
};
