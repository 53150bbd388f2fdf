import { haResourceOfVm, hostOfHaNode } from '../../inventory/ha-names.js';
import type { Inventory } from '../../inventory/schema.js';
import type { CrmMonStatus, FenceEvent } from '../../protocols/pacemaker/index.js';
import type { WatchFields } from './events.js';

/*
 * What one crm_mon reading says, in the inventory's names and the shape of
 * the `watch` vocabulary (events.ts). Pure, so it is tested on captured
 * crm_mon XML; the watcher decides what changed.
 */

export interface Observed<F> {
  subject: string;
  fields: F;
}

export interface PacemakerView {
  nodes: Observed<WatchFields<'pacemaker/node'>>[];
  placements: Observed<WatchFields<'pacemaker/placement'>>[];
  /** Every fence history entry of an inventory host, with the key that identifies it and its status. */
  fences: (Observed<WatchFields<'pacemaker/fence'>> & { key: string; order: string })[];
  /** Pacemaker nodes the inventory does not list (left out of the records above). */
  unknownNodes: string[];
}

/** A node name in the inventory's words where it has one (delegate and origin are fields, not subjects). */
function hostName(inv: Inventory, node: string): string {
  return hostOfHaNode(inv, node)?.name ?? node;
}

function fenceFields(inv: Inventory, target: string, e: FenceEvent): WatchFields<'pacemaker/fence'> {
  return {
    target,
    action: e.action,
    status: e.status,
    ...(e.delegate ? { delegate: hostName(inv, e.delegate) } : {}),
    ...(e.origin ? { origin: hostName(inv, e.origin) } : {}),
    ...(e.completed ? { completed: e.completed } : {}),
    ...(e.exitReason ? { exitReason: e.exitReason } : {}),
  };
}

export function pacemakerView(st: CrmMonStatus, inv: Inventory, via: string): PacemakerView {
  const viaHost = hostName(inv, via);
  const unknownNodes: string[] = [];
  const nodes: PacemakerView['nodes'] = [];
  for (const n of st.nodes) {
    const host = hostOfHaNode(inv, n.name);
    if (!host) {
      unknownNodes.push(n.name);
      continue;
    }
    nodes.push({
      subject: `node:${host.name}`,
      fields: {
        online: n.online,
        unclean: n.unclean,
        standby: n.standby || n.standbyOnfail,
        maintenance: n.maintenance,
        pending: n.pending,
        via: viaHost,
      },
    });
  }

  const placements: PacemakerView['placements'] = inv.vms.map((vm) => {
    const resource = haResourceOfVm(vm);
    // A clone or a multi-active primitive has several entries (or nodes) under one id.
    const entries = st.resources.filter((r) => r.id === resource);
    const active = entries.filter((r) => r.active);
    const hosts = [...new Set(active.flatMap((r) => r.nodes.map((n) => hostName(inv, n))))].sort();
    const role = entries.length === 0 ? 'absent' : (active[0]?.role ?? entries[0]?.role ?? 'Stopped');
    return {
      subject: `vm:${vm.name}`,
      fields: { hosts, role, failed: entries.some((r) => r.failed), resource, via: viaHost },
    };
  });

  const fences: PacemakerView['fences'] = [];
  for (const e of st.fenceHistory ?? []) {
    const host = hostOfHaNode(inv, e.target);
    if (!host) continue;
    // Pacemaker gives a fence no id: an operation is who asked, for what, whom; it is done once it has a time.
    const op = [e.target, e.action, e.origin, e.client].join('\u0000');
    fences.push({
      subject: `fence:${host.name}`,
      fields: fenceFields(inv, host.name, e),
      key: `${op}\u0000${e.status}\u0000${e.completed ?? ''}`,
      // Pending fences are the newest; completed ones sort by the time printed ("2026-10-05 12:02:42.088147Z").
      order: e.status === 'pending' ? '\uffff' : (e.completed ?? ''),
    });
  }
  return { nodes, placements, fences, unknownNodes };
}
