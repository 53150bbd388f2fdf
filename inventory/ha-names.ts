import type { HostConfig, Inventory, VmConfig } from './schema.js';

/*
 * How the HA manager's names map to the inventory's: Pacemaker node names
 * and XAPI host name_labels are the inventory's host names, and Pacemaker
 * resource ids / XAPI VM name_labels are the inventory's VM names (HA
 * managers address VMs by name: inventory/preflight/vm-names.ts keeps those
 * unique). The exporter's cluster collectors and the chaos watchers both map
 * through here, so a metric and a timeline record name the same host.
 */

/** The inventory host the HA manager calls `node`, or undefined for a node the inventory does not list. */
export function hostOfHaNode(inv: Inventory, node: string): HostConfig | undefined {
  return inv.hosts.find((h) => h.name === node);
}

/** The inventory VM whose HA resource (Pacemaker primitive id, XAPI name_label) is `id`. */
export function vmOfHaResource(inv: Inventory, id: string): VmConfig | undefined {
  return inv.vms.find((v) => v.name === id);
}

/** The HA manager's id of an inventory VM (the inverse of vmOfHaResource). */
export function haResourceOfVm(vm: VmConfig): string {
  return vm.name;
}

/** Hosts to ask crm_mon, in order: haManager.via, else every host. */
export function crmMonHosts(inv: Inventory): string[] {
  const hm = inv.haManager;
  return hm?.type === 'pacemaker' && hm.via ? hm.via : inv.hosts.map((h) => h.name);
}
