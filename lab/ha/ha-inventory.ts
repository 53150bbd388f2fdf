import { GUEST_HTTP_PORT } from '../../protocols/guest-status/guest-status.js';
import type { InventoryInput } from '../inventory-writer.js';
import { type HaPlan, VM_MEMORY_MIB, VM_VCPUS } from './ha-plan.js';

/** The HA lab's cluster manager and VMs, in havoc's inventory format. */
export function haInventory(plan: HaPlan, storageName: string): Pick<InventoryInput, 'haManager' | 'vms'> {
  return {
    haManager: {
      type: 'pacemaker',
      via: plan.nodes.map((n) => n.name),
      // corosync link 0 on heartbeat, link 1 on management (lab/ha/corosync-conf.ts).
      heartbeatNetworks: ['heartbeat', 'management'],
    },
    vms: plan.vms.map((v) => ({
      name: v.name,
      memoryMiB: VM_MEMORY_MIB,
      vcpus: VM_VCPUS,
      haPriority: 'restart' as const,
      homeHost: v.homeHost,
      storage: storageName,
      probe: { type: 'http' as const, address: v.ip, port: GUEST_HTTP_PORT, path: '/' },
    })),
  };
}
