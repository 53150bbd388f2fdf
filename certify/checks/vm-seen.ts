import type { Inventory, VmConfig } from '../../inventory/schema.js';
import type { SeenHost } from '../check.js';
import type { VmDefinition } from '../facts/vm-definitions.js';

/*
 * What the VM checks share: which inventory VMs they judge, and where each
 * was seen defined. XenServer VMs are not read over SSH (no libvirt, no
 * QEMU command line of ours there): the VM checks do not apply to a xapi pool.
 */

export function vmChecksNotApplicable(inventory: Inventory, vms: readonly VmConfig[]): string | undefined {
  if (inventory.haManager?.type === 'xapi')
    return 'XenServer pool: VMs are not defined in libvirt or a QEMU command line (XAPI levels CPUs across the pool itself)';
  return vms.length === 0 ? 'no such VM in the inventory' : undefined;
}

/** HA VMs on shared storage: restarted or migrated elsewhere, so their disks are written from more than one host. */
export const haVmsOnSharedStorage = (inventory: Inventory): VmConfig[] =>
  inventory.vms.filter((v) => v.haPriority !== 'never' && v.storage !== undefined);

/** Each definition of the VM, with the host it was seen on. */
export function definitionsOf(vm: string, hosts: readonly SeenHost[]): { host: string; def: VmDefinition }[] {
  return hosts.flatMap((h) =>
    h.values.vms.filter((d) => d.name === vm).map((def) => ({ host: h.host, def })),
  );
}

/** "vm1, vm2 not defined on any host that answered": a VM not seen cannot be judged (an error, not a pass). */
export function notSeen(vms: readonly string[]): string | undefined {
  return vms.length
    ? `${vms.join(', ')} not defined on any host that answered (libvirt, QEMU command lines; Xen xl domains are not read)`
    : undefined;
}
