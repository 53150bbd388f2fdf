import { vmOfHaResource } from '../../inventory/ha-names.js';
import type { Inventory } from '../../inventory/schema.js';
import type { VirshDomainState, VirshLifecycle, VirshListEntry } from '../../protocols/libvirt/index.js';
import type { WatchFields } from './events.js';

/*
 * The domains each host's libvirtd runs, kept from `virsh list --all` and
 * updated by lifecycle events, and the placement of every inventory VM
 * computed from it. A host whose libvirtd cannot be read has no entry: what
 * it runs is unknown, not "nothing", and the reachability record says so.
 */

/** The domain state a lifecycle event leaves (virsh's state words), or undefined when the domain is gone. */
export function stateAfter(
  ev: VirshLifecycle,
  before: VirshDomainState | undefined,
): VirshDomainState | undefined {
  switch (ev.event) {
    case 'Started':
      // The target of a live migration starts the incoming domain paused; "Resumed Migrated" makes it run.
      return ev.detail === 'Migrated' ? 'paused' : 'running';
    case 'Resumed':
      return 'running';
    case 'Suspended':
      return 'paused';
    case 'Stopped':
    case 'Undefined':
      return undefined;
    case 'Shutdown':
      // "Finished": the guest has shut down; Stopped follows when QEMU exits.
      return before === undefined ? undefined : 'in shutdown';
    case 'PMSuspended':
      return 'pmsuspended';
    case 'Crashed':
      return 'crashed';
    default:
      // Defined (a new or changed persistent config) changes nothing that runs.
      return before;
  }
}

const ACTIVE = (s: VirshDomainState) => s !== 'shut off';
/*
 * A VM is placed where its guest can execute: a paused domain (the incoming
 * side of a live migration, a VM stopped on an I/O error) is listed in the
 * role but not in `hosts`, whose two entries mean a VM running twice.
 */
const EXECUTING = (s: VirshDomainState) => ACTIVE(s) && s !== 'paused' && s !== 'pmsuspended';

export class LibvirtDomains {
  private readonly byHost = new Map<string, Map<string, VirshDomainState>>();
  /** Whether any host's libvirtd ever answered: before that (no libvirtd at all, as under ocf:havoc:qemu-vm) nothing is placed. */
  private anyListed = false;

  constructor(private readonly inventory: Inventory) {}

  /** What `virsh list --all` on `host` showed: replaces what was known of it. */
  listed(host: string, entries: readonly VirshListEntry[]): void {
    this.byHost.set(host, new Map(entries.map((e) => [e.name, e.state])));
    this.anyListed = true;
  }

  /** A lifecycle event of `domain` on `host`. */
  event(host: string, domain: string, ev: VirshLifecycle): void {
    const domains = this.byHost.get(host) ?? new Map<string, VirshDomainState>();
    this.byHost.set(host, domains);
    const next = stateAfter(ev, domains.get(domain));
    if (next === undefined) domains.delete(domain);
    else domains.set(domain, next);
  }

  /** The host can no longer be read: what it runs is unknown. */
  lost(host: string): void {
    this.byHost.delete(host);
  }

  /** Every inventory VM's placement over the hosts that can be read. */
  placements(via: string): { subject: string; fields: WatchFields<'libvirt/placement'> }[] {
    if (!this.anyListed) return [];
    return this.inventory.vms.map((vm) => {
      const domain = vm.name;
      const states: { host: string; state: VirshDomainState }[] = [];
      for (const [host, domains] of this.byHost) {
        const state = domains.get(domain);
        if (state !== undefined) states.push({ host, state });
      }
      states.sort((a, b) => a.host.localeCompare(b.host));
      const active = states.filter((s) => ACTIVE(s.state));
      const executing = active.filter((s) => EXECUTING(s.state));
      // One host: its state ("running"); several: each with its host ("paused@host2,running@host1").
      const role =
        active.length === 1
          ? active[0]!.state
          : active.length > 1
            ? active.map((s) => `${s.state}@${s.host}`).join(',')
            : states.length > 0
              ? 'shut off'
              : 'absent';
      return {
        subject: `vm:${vm.name}`,
        fields: {
          hosts: executing.map((s) => s.host),
          role,
          failed: active.some((s) => s.state === 'crashed'),
          resource: domain,
          via,
        },
      };
    });
  }

  /** The inventory VM a domain is, or undefined for a domain the inventory does not list. */
  vmOf(domain: string): string | undefined {
    return vmOfHaResource(this.inventory, domain)?.name;
  }
}
