import type { AcrossHostsCheck } from '../check.js';
import { definitionsOf, haVmsOnSharedStorage, notSeen, vmChecksNotApplicable } from './vm-seen.js';

/** The cache modes that keep no write of the source host in its page cache when the VM moves. */
export const SAFE_CACHE_MODES = ['none', 'directsync'] as const;

export const vmDiskCache: AcrossHostsCheck = {
  kind: 'across-hosts',
  id: 'vm.disk-cache',
  title: 'every disk of every HA VM on shared storage has cache mode none or directsync',
  severity: 'critical',
  why: "with writeback or writethrough the source host's page cache holds or serves data the target does not see: a live migration or a restart after a fence loses writes or reads stale blocks; libvirt calls such a migration unsafe",
  remediation:
    "set <driver cache='none'/> (or directsync) on every disk of the domain XML (QEMU: cache=none, or -blockdev cache.direct=on), then restart the VM",
  facts: ['vms'],
  notApplicable: (inv) => vmChecksNotApplicable(inv, haVmsOnSharedStorage(inv)),
  judge(hosts, inventory) {
    const bad: string[] = [];
    const good: string[] = [];
    const unseen: string[] = [];
    const perHost: Record<string, string[]> = {};
    for (const vm of haVmsOnSharedStorage(inventory)) {
      const defs = definitionsOf(vm.name, hosts);
      if (defs.length === 0) unseen.push(vm.name);
      for (const { host, def } of defs) {
        const disks = def.disks.map((d) => `${d.name} ${d.cache}`);
        perHost[host] = [
          ...(perHost[host] ?? []),
          `${vm.name} (${def.source}): ${disks.join(', ') || 'no writable disk'}`,
        ];
        const unsafe = def.disks.filter((d) => !(SAFE_CACHE_MODES as readonly string[]).includes(d.cache));
        if (unsafe.length)
          bad.push(
            `${vm.name} on ${host}: ${unsafe.map((d) => `${d.name} (${d.source}) cache ${d.cache}`).join(', ')}`,
          );
        else good.push(`${vm.name} on ${host}`);
      }
    }
    const hostsDetail = Object.fromEntries(
      hosts.map((h) => [h.host, perHost[h.host]?.join('; ') ?? 'no inventory VM defined']),
    );
    if (bad.length) return { ok: false, detail: bad.join('; '), hosts: hostsDetail };
    return {
      ok: true,
      detail: good.length ? `none or directsync: ${good.join(', ')}` : 'no VM seen',
      unjudged: notSeen(unseen),
      hosts: hostsDetail,
    };
  },
};
