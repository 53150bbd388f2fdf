import { hostOfHaNode, vmOfHaResource } from '../../inventory/ha-names.js';
import type { Inventory } from '../../inventory/schema.js';
import { snapshotField, type XapiEvent } from '../../protocols/xapi/index.js';
import type { WatchFields } from './events.js';

/*
 * The pool as XAPI's events describe it: the latest record of every VM,
 * host, host_metrics and pool object by reference, and what the watch
 * vocabulary says of it in the inventory's names (host and VM name_labels).
 */

const NULL_REF = 'OpaqueRef:NULL';
// power_state values of the datamodel (vm_power_state): Halted, Paused, Running, Suspended.
const RESIDENT_STATES = new Set(['Running', 'Paused']);

interface VmRec {
  name: string;
  uuid: string;
  powerState: string;
  residentOn: string;
}
interface HostRec {
  name: string;
  enabled: boolean;
  metrics: string;
}

export class XapiPoolView {
  private readonly vms = new Map<string, VmRec>();
  private readonly hosts = new Map<string, HostRec>();
  private readonly live = new Map<string, boolean>();
  private pool: { haEnabled: boolean; master: string } | undefined;

  constructor(private readonly inventory: Inventory) {}

  /** Starting again from the empty token: everything is sent again as it is now. */
  reset(): void {
    this.vms.clear();
    this.hosts.clear();
    this.live.clear();
    this.pool = undefined;
  }

  apply(ev: XapiEvent): void {
    const gone = ev.operation === 'del';
    switch (ev.class) {
      case 'vm':
        if (gone) this.vms.delete(ev.ref);
        // Templates and dom0 are VM objects too; only guests can be inventory VMs.
        else if (
          snapshotField(ev, 'is_a_template', 'boolean') ||
          snapshotField(ev, 'is_control_domain', 'boolean')
        )
          this.vms.delete(ev.ref);
        else
          this.vms.set(ev.ref, {
            name: snapshotField(ev, 'name_label', 'string'),
            uuid: snapshotField(ev, 'uuid', 'string'),
            powerState: snapshotField(ev, 'power_state', 'string'),
            residentOn: snapshotField(ev, 'resident_on', 'string'),
          });
        return;
      case 'host':
        if (gone) this.hosts.delete(ev.ref);
        else
          this.hosts.set(ev.ref, {
            name: snapshotField(ev, 'name_label', 'string'),
            enabled: snapshotField(ev, 'enabled', 'boolean'),
            metrics: snapshotField(ev, 'metrics', 'string'),
          });
        return;
      case 'host_metrics':
        if (gone) this.live.delete(ev.ref);
        else this.live.set(ev.ref, snapshotField(ev, 'live', 'boolean'));
        return;
      case 'pool':
        this.pool = gone
          ? undefined
          : {
              haEnabled: snapshotField(ev, 'ha_enabled', 'boolean'),
              master: snapshotField(ev, 'master', 'string'),
            };
        return;
      default:
        return;
    }
  }

  private hostName(ref: string): string | undefined {
    const h = this.hosts.get(ref);
    return h ? (hostOfHaNode(this.inventory, h.name)?.name ?? h.name) : undefined;
  }

  nodes(via: string): { subject: string; fields: WatchFields<'xapi/node'> }[] {
    return [...this.hosts.values()].flatMap((h) => {
      const host = hostOfHaNode(this.inventory, h.name);
      if (!host) return [];
      // A host without a metrics object (OpaqueRef:NULL) has never reported: not live.
      const live = h.metrics !== NULL_REF && this.live.get(h.metrics) === true;
      return [{ subject: `node:${host.name}`, fields: { live, enabled: h.enabled, via } }];
    });
  }

  placements(via: string): { subject: string; fields: WatchFields<'xapi/placement'> }[] {
    const byName = new Map<string, VmRec[]>();
    for (const v of this.vms.values()) byName.set(v.name, [...(byName.get(v.name) ?? []), v]);
    return this.inventory.vms.map((vm) => {
      const recs = (byName.get(vm.name) ?? []).filter((r) => vmOfHaResource(this.inventory, r.name));
      const resident = recs.filter((r) => RESIDENT_STATES.has(r.powerState) && r.residentOn !== NULL_REF);
      const hosts = [...new Set(resident.flatMap((r) => this.hostName(r.residentOn) ?? []))].sort();
      return {
        subject: `vm:${vm.name}`,
        fields: {
          hosts,
          role: recs.length === 0 ? 'absent' : [...new Set(recs.map((r) => r.powerState))].sort().join(','),
          failed: false,
          resource: recs.map((r) => r.uuid).join(',') || vm.name,
          via,
        },
      };
    });
  }

  poolState(via: string): WatchFields<'xapi/pool'> | undefined {
    if (!this.pool) return undefined;
    const master = this.hostName(this.pool.master);
    return { haEnabled: this.pool.haEnabled, ...(master ? { master } : {}), via };
  }
}
