import { allowedHostsOf } from '../../inventory/preflight/capacity-plan.js';
import type { Inventory } from '../../inventory/schema.js';
import type { AcrossHostsCheck, SeenHost } from '../check.js';
import {
  type DeclaredDrbdResource,
  drbdNotApplicable,
  drbdPeers,
  drbdResourcesOf,
  netValues,
} from './drbd-resources.js';

/*
 * Decided: a resource needs dual primary when an inventory VM lives on it
 * and may be live-migrated between two of its peers (the VM's allowed hosts
 * include two or more of them: during the migration both sides write).
 * A VM "lives on" a resource when its storage is the resource's DRBD storage
 * and, if a host showed the VM's disks, one of them is the resource's device
 * (/dev/drbdN, /dev/drbd/by-res/<name>); when no host showed its disks (a
 * Xen VM, a VM not running) every resource of its storage counts, since the
 * inventory cannot tell which one it uses.
 */

function devicesOf(r: DeclaredDrbdResource, hosts: readonly SeenHost[]): string[] {
  const configured = hosts.flatMap((h) => h.values.drbd.find((c) => c.name === r.name)?.devices ?? []);
  return [...new Set([...(r.device ? [r.device] : []), ...configured])];
}

/** The VMs that make a resource need dual primary, with why. */
export function migratingVmsOn(
  r: DeclaredDrbdResource,
  hosts: readonly SeenHost[],
  inventory: Inventory,
): string[] {
  const devices = devicesOf(r, hosts);
  const out: string[] = [];
  for (const vm of inventory.vms.filter((v) => v.storage === r.storage)) {
    const between = allowedHostsOf(vm, inventory).filter((h) => r.peers.includes(h));
    if (between.length < 2) continue;
    const disks = hosts.flatMap((h) =>
      (h.values.vms ?? []).filter((d) => d.name === vm.name).flatMap((d) => d.disks),
    );
    const onIt =
      disks.length === 0 ||
      disks.some((d) => devices.includes(d.source) || d.source.startsWith(`/dev/drbd/by-res/${r.name}`));
    if (onIt) out.push(`${vm.name} (may migrate between ${between.join(', ')})`);
  }
  return out;
}

export const drbdDualPrimary: AcrossHostsCheck = {
  kind: 'across-hosts',
  id: 'drbd.dual-primary',
  title: 'allow-two-primaries is set exactly on the DRBD resources a live-migrated VM lives on',
  severity: 'critical',
  why: 'a live migration writes from both hosts at once, so its resource needs dual primary; anywhere else two primaries are a split brain waiting to happen (nothing but the VM manager keeps both from writing)',
  remediation:
    'set `allow-two-primaries yes;` in the net section only of resources holding live-migrated VMs (with fencing resource-and-stonith), and remove it elsewhere; `drbdadm adjust <resource>`',
  facts: ['drbd'],
  notApplicable: drbdNotApplicable,
  hosts: drbdPeers,
  judge(hosts, inventory) {
    const bad: string[] = [];
    const good: string[] = [];
    const perHost: Record<string, string[]> = {};
    for (const r of drbdResourcesOf(inventory)) {
      const needs = migratingVmsOn(r, hosts, inventory);
      for (const h of hosts.filter((x) => r.peers.includes(x.host))) {
        const conf = h.values.drbd.find((c) => c.name === r.name);
        if (!conf) {
          bad.push(`${r.name} not configured on ${h.host}`);
          continue;
        }
        const values = netValues(conf, 'allow-two-primaries', 'no');
        const dual = values.every((v) => v === 'yes');
        perHost[h.host] = [...(perHost[h.host] ?? []), `${r.name} allow-two-primaries ${values.join('/')}`];
        if (needs.length && !dual)
          bad.push(
            `${r.name} on ${h.host}: allow-two-primaries ${values.join('/')}, but ${needs.join(', ')} live-migrates on it`,
          );
        else if (!needs.length && values.some((v) => v === 'yes'))
          bad.push(
            `${r.name} on ${h.host}: allow-two-primaries yes, and no inventory VM live-migrates on it`,
          );
        else
          good.push(
            `${r.name} on ${h.host}: ${dual ? `dual primary for ${needs.join(', ')}` : 'single primary'}`,
          );
      }
    }
    const hostsDetail = Object.fromEntries(Object.entries(perHost).map(([h, v]) => [h, v.join(', ')]));
    return bad.length
      ? { ok: false, detail: bad.join('; '), hosts: hostsDetail }
      : { ok: true, detail: good.join('; '), hosts: hostsDetail };
  },
};
