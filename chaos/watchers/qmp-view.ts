import { vmOfHaResource } from '../../inventory/ha-names.js';
import type { Inventory } from '../../inventory/schema.js';
import type { QmpEvent } from '../../protocols/qmp/framing.js';
import type { WatchFields } from './events.js';
import { HostsReachability } from './hosts-reachability.js';
import { WatchEmitter } from './watch-emitter.js';
import type { WatcherContext } from './watcher.js';

/*
 * The records of the QMP watch, apart from its SSH and QMP loops (tested on
 * QMP lines captured from a real QEMU). Each QEMU found on a host is one
 * "instance" (host and PID) with QEMU's run state: from query-status when
 * its watch connects, then kept by its events. A VM is placed on the hosts
 * where an instance of it runs; a host that cannot be scanned is unknown,
 * and the reachability record says so.
 */

/** QMP's events that change or say something of a VM's life; the others (MIGRATION_PASS, NIC_RX_FILTER_CHANGED...) are not written. */
export const QMP_LIFECYCLE_EVENTS = ['STOP', 'RESUME', 'MIGRATION', 'SHUTDOWN'] as const;

/** What the loop learnt right after an event (the STOP's reason, a completed migration's downtime). */
export interface EventFacts {
  /** query-status after a STOP: why the guest stopped. */
  status?: string;
  downtimeMs?: number;
  totalTimeMs?: number;
}

interface Instance {
  vm: string;
  status: string;
  running: boolean;
}

const FAILED = new Set(['internal-error', 'guest-panicked']);

/** "2026-12-01T21:40:12.123456Z" from QMP's timestamp (display only). */
export function qmpTimeText(ts: QmpEvent['timestamp']): string | undefined {
  if (!ts.seconds) return undefined;
  const iso = new Date(ts.seconds * 1000).toISOString();
  return `${iso.slice(0, 19)}.${String(ts.microseconds).padStart(6, '0')}Z`;
}

export class QmpRecorder {
  private readonly emit: WatchEmitter<'qmp'>;
  /** host -> PID -> instance; a host without an entry could not be scanned. */
  private readonly byHost = new Map<string, Map<number, Instance>>();
  /** VMs found at least once: the only ones with placement records (a VirtualDomain VM is libvirt's to place). */
  private readonly found = new Set<string>();

  constructor(
    private readonly ctx: Pick<WatcherContext, 'timeline' | 'inventory'>,
    hosts: readonly string[],
  ) {
    this.emit = new WatchEmitter(ctx.timeline, 'qmp');
    this.reach = new HostsReachability(hosts, (f, ns) =>
      this.emit.occurrence('reachability', 'cluster', f, ns),
    );
  }

  private readonly reach: HostsReachability;

  /** The inventory VM a QEMU's -name is, or undefined for one the inventory does not list. */
  vmOf(name: string | undefined): string | undefined {
    return name === undefined ? undefined : vmOfHaResource(this.ctx.inventory as Inventory, name)?.name;
  }

  /** The host was scanned: `pids` are the QEMUs of inventory VMs it runs; instances not among them are gone. */
  scanned(host: string, pids: ReadonlySet<number>, ns: bigint): void {
    const known = this.byHost.get(host) ?? new Map<number, Instance>();
    this.byHost.set(host, known);
    for (const pid of known.keys()) if (!pids.has(pid)) known.delete(pid);
    this.changed(host, '', ns);
  }

  /** The host could not be scanned: what it runs is unknown. */
  lost(host: string, why: string, ns: bigint): void {
    this.byHost.delete(host);
    this.changed(host, why, ns);
  }

  /** The watch of a QEMU connected and asked query-status. */
  connected(host: string, pid: number, vm: string, status: { status: string; running: boolean }, ns: bigint) {
    const known = this.byHost.get(host) ?? new Map<number, Instance>();
    this.byHost.set(host, known);
    known.set(pid, { vm, status: status.status, running: status.running });
    this.found.add(vm);
    this.emit.occurrence(
      'lifecycle',
      `vm:${vm}`,
      { host, event: 'query-status', detail: status.status, pid },
      ns,
    );
    this.placements(host, ns);
  }

  /** The QMP connection of an instance ended: its QEMU exited (or the host went away; the scan tells). */
  disconnected(host: string, pid: number, ns: bigint): void {
    if (this.byHost.get(host)?.delete(pid)) this.placements(host, ns);
  }

  /**
   * A QMP event as it arrives: the run state it implies is placed at once,
   * so placement records stay in the order they were seen (the event's own
   * record waits for what is asked after it: `event`).
   */
  arrived(host: string, pid: number, ev: QmpEvent, ns: bigint): void {
    const inst = this.byHost.get(host)?.get(pid);
    if (!inst) return;
    if (ev.event === 'RESUME') Object.assign(inst, { status: 'running', running: true });
    // "paused" until query-status says why (io-error, finish-migrate...).
    else if (ev.event === 'STOP') Object.assign(inst, { status: 'paused', running: false });
    else if (ev.event === 'SHUTDOWN') Object.assign(inst, { status: 'shutdown', running: false });
    else return;
    this.placements(host, ns);
  }

  /**
   * The record of one QMP event, stamped `ns` when it arrived, with `facts`
   * asked right after it; a STOP's reason refines the run state, placed at
   * `nowNs` (when it was learnt).
   */
  event(
    host: string,
    pid: number,
    vm: string,
    ev: QmpEvent,
    ns: bigint,
    facts: EventFacts = {},
    nowNs: bigint = ns,
  ): void {
    if (!(QMP_LIFECYCLE_EVENTS as readonly string[]).includes(ev.event)) return;
    const detail =
      ev.event === 'STOP'
        ? facts.status
        : ev.event === 'MIGRATION'
          ? stringOf(ev.data['status'])
          : ev.event === 'SHUTDOWN'
            ? stringOf(ev.data['reason'])
            : undefined;
    const at = qmpTimeText(ev.timestamp);
    const fields: WatchFields<'qmp/lifecycle'> = {
      host,
      event: ev.event,
      ...(detail ? { detail } : {}),
      ...(at ? { at } : {}),
      pid,
      ...(facts.downtimeMs !== undefined ? { downtimeMs: facts.downtimeMs } : {}),
      ...(facts.totalTimeMs !== undefined ? { totalTimeMs: facts.totalTimeMs } : {}),
    };
    this.emit.occurrence('lifecycle', `vm:${vm}`, fields, ns);
    const inst = this.byHost.get(host)?.get(pid);
    // Only while still stopped: a RESUME that came meanwhile is newer than the answer.
    if (ev.event === 'STOP' && inst && !inst.running && facts.status && !/^running$/.test(facts.status)) {
      inst.status = facts.status;
      this.placements(host, nowNs);
    }
  }

  private changed(host: string, why: string, ns: bigint): void {
    this.reach.set(host, why, ns);
    this.placements(host, ns);
  }

  private placements(via: string, ns: bigint): void {
    if (!this.reach.everyHostTried) return;
    for (const vm of this.found) {
      const states: { host: string; status: string; running: boolean }[] = [];
      for (const [host, instances] of this.byHost)
        for (const inst of instances.values())
          if (inst.vm === vm) states.push({ host, status: inst.status, running: inst.running });
      states.sort((a, b) => a.host.localeCompare(b.host) || a.status.localeCompare(b.status));
      // One QEMU: its run state ("running"); several (a migration): each with its host ("postmigrate@host1,running@host2").
      const role =
        states.length === 1
          ? states[0]!.status
          : states.length > 1
            ? states.map((s) => `${s.status}@${s.host}`).join(',')
            : 'absent';
      this.emit.state(
        'placement',
        `vm:${vm}`,
        {
          hosts: [...new Set(states.filter((s) => s.running).map((s) => s.host))],
          role,
          failed: states.some((s) => FAILED.has(s.status)),
          resource: vm,
          via,
        },
        ns,
        ['via'],
      );
    }
  }
}

function stringOf(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}
