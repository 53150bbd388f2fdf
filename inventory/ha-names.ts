import type { Inventory, VmConfig } from './schema.js';

/*
 * How the HA manager names what the inventory names. One mapping for every
 * layer: the lab creates each VM's Pacemaker resource (lab/ha/cib-config.ts)
 * and libvirt domain under the VM's inventory name, and the exporter's
 * cluster collectors label resources and nodes with Pacemaker's own names,
 * which are the inventory's. XAPI VMs and hosts are found by name_label,
 * the same name.
 */

/** The Pacemaker resource id, libvirt domain name or XAPI name_label of an inventory VM. */
export function haIdOf(vm: Pick<VmConfig, 'name'>): string {
  return vm.name;
}

/** The inventory VM an HA manager id stands for, if any. */
export function vmOfHaId(inv: Inventory, id: string): VmConfig | undefined {
  return inv.vms.find((v) => haIdOf(v) === id);
}

/** Hosts to ask for the cluster's state, in order: haManager.via, else every host. */
export function clusterHosts(inv: Inventory): string[] {
  const hm = inv.haManager;
  return hm?.type === 'pacemaker' && hm.via ? hm.via : inv.hosts.map((h) => h.name);
}

/** Where a VM may run or live-migrate: allowedHosts, else every host. */
export function allowedHostsOf(inv: Inventory, vm: VmConfig): string[] {
  return vm.allowedHosts ?? inv.hosts.map((h) => h.name);
}
