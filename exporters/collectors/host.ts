import type { Registry } from 'prom-client';
import { HavocError } from '../../core/errors.js';
import { sshLoginOf } from '../../inventory/ssh-login.js';
import type { CollectContext, Collector } from '../collector.js';
import { BOND_METRICS, renderBonds } from './host-bonds.js';
import { DRBD_METRICS, renderDrbd } from './host-drbd.js';
import { hostExpected } from './host-expected.js';
import { NIC_METRICS, renderNics } from './host-nics.js';
import { RESOURCE_METRICS, renderResources } from './host-resources.js';
import { hostScript } from './host-script.js';
import { splitSections } from './host-sections.js';
import { type HostSnapshot, hostSnapshot } from './host-snapshot.js';
import { sshPoolOf } from './host-ssh.js';
import { renderVms, VM_METRICS } from './host-vms.js';

/*
 * The host module: one SSH round trip per scrape (a shell script that prints
 * every source under a marker), parsed here with the protocol parsers. The
 * target is the host's inventory name. Nothing is registered before the
 * script's output is in hand, so a host that fails host-key verification
 * yields no metrics of its own, only havoc_up 0 with reason host_key.
 */

// The remote script is bounded on the host too: sshd keeps a root session until its command exits.
const REMOTE_LIMIT_SECONDS = 30;

/** Fills a registry from one host's snapshot (pure; unit-tested on captured outputs). */
export function renderHost(
  snap: HostSnapshot,
  expected: ReturnType<typeof hostExpected>,
  declared: { memoryMiB: number; vcpus: number },
  registry: Registry,
): void {
  renderResources(snap, declared, registry);
  renderNics(snap.nics, snap.missingNics, expected, registry);
  renderBonds(snap.bonds, expected, registry);
  if (snap.drbd || expected.drbdResources.length > 0)
    renderDrbd(snap.drbd?.volumes ?? [], expected.drbdResources, registry);
  if (snap.vms.length > 0) renderVms(snap.vms, registry);
}

export const hostCollector: Collector = {
  name: 'host',
  module: 'host',
  metrics: [
    ...Object.values(RESOURCE_METRICS),
    ...Object.values(NIC_METRICS),
    ...Object.values(BOND_METRICS),
    ...Object.values(DRBD_METRICS),
    ...Object.values(VM_METRICS),
  ],
  appliesTo(target, ctx) {
    return ctx.loaded.inventory.hosts.some((h) => h.name === target);
  },
  async collect(target, registry, ctx: CollectContext) {
    const inv = ctx.loaded.inventory;
    const host = inv.hosts.find((h) => h.name === target);
    if (!host) throw new HavocError('usage', `no host ${target} in ${ctx.loaded.file}`);
    const expected = hostExpected(inv, host);
    const script = hostScript(expected.interfaces);
    const { stdout } = await sshPoolOf(ctx).exec(
      sshLoginOf(host),
      `timeout -s KILL ${REMOTE_LIMIT_SECONDS} sh -s`,
      {
        signal: ctx.signal,
        stdin: script,
        what: 'the havoc host script',
      },
    );
    const snap = hostSnapshot(splitSections(stdout, target));
    for (const [source, problem] of snap.sources) {
      if (problem !== undefined) ctx.log.warn({ target, source, problem }, 'host source failed');
    }
    renderHost(snap, expected, host, registry);
  },
};
