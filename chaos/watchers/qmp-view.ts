import { vmOfHaResource } from '../../inventory/ha-names.js';
import type { Inventory } from '../../inventory/schema.js';
import type { QmpEvent } from '../../protocols/qmp/framing.js';
import { HostsReachability } from './hosts-reachability.js';
import { WatchEmitter } from './watch-emitter.js';
import type { WatcherContext } from './watcher.js';

/*
 * The records of the QMP watch, apart from its SSH and QMP loops (tested on
 * QMP lines captured from a real QEMU). Each QEMU found on a host is one
 * "instance" (host and PID) with QEMU's run state: from query-status when
 * its watch connects, then kept by its events. A VM is placed on the hosts
 * where an instance of it runs; a host that cannot be scanned is unknown,
 * and the reachability record says so. Each method writes at once, stamped
 * with the time its line was read: the caller calls them in stream order.
 */

/** QMP's events that change or say something of a VM's life; the others (MIGRATION_PASS, NIC_RX_FILTER_CHANGED...) are not written. */
export const QMP_LIFECYCLE_EVENTS = ['STOP', 'RESUME', 'MIGRATION', 'SHUTDOWN'] as const;

/** What query-migrate said of a completed migration's downtime (readDowntime). */
export type DowntimeAnswer =
  | { kind: 'figures'; downtimeMs: number; totalTimeMs: number }
  /** Completed, but QEMU has not computed the figures yet (QEMU 7.2 says 0 and 0 then): ask again. */
  | { kind: 'not-yet' }
  /** The incoming side: QEMU reports no downtime there. */
  | { kind: 'incoming' }
  | { kind: 'unreadable'; why: string };

/**
 * Reads query-migrate's answer after MIGRATION completed. QEMU 7.2 sets the
 * migration's state to completed (and sends the event) in the migration
 * thread, and computes total-time and downtime only afterwards, when that
 * thread takes the main lock again (migration_iteration_finish, which then
 * sets the run state postmigrate); in between query-migrate answers
 * `completed` with total-time 0 and downtime 0 (captured:
 * qemu-7.2-observer-downtime-race-source.jsonl, the run state then
 * finish-migrate). A real total time is never 0 ms, so 0 means "not yet".
 */
export function readDowntime(info: unknown): DowntimeAnswer {
  const o = (typeof info === 'object' && info !== null ? info : {}) as Record<string, unknown>;
  if (o['status'] !== 'completed')
    return { kind: 'unreadable', why: `query-migrate says ${String(o['status'] ?? 'no migration')}` };
  // The source always reports total-time (0 until computed); the incoming side never does.
  if (!('total-time' in o)) return { kind: 'incoming' };
  const total = o['total-time'];
  const down = o['downtime'];
  if (typeof total !== 'number' || typeof down !== 'number')
    return {
      kind: 'unreadable',
      why: `query-migrate's total-time/downtime are not numbers: ${JSON.stringify(o)}`,
    };
  return total > 0 ? { kind: 'figures', downtimeMs: down, totalTimeMs: total } : { kind: 'not-yet' };
}

/** What the watch found on (re)connect: query-migrate's answer, then query-status's. */
export interface ConnectAnswers {
  status: { status: string; running: boolean };
  migrate: Record<string, unknown>;
}

const MIGRATION_STEPS = ['setup', 'active', 'completed'];

/**
 * The events a QEMU found mid-migration (or after one) sent before the watch
 * could hear them: the MIGRATION statuses up to query-migrate's, and RESUME
 * when an incoming migration had already completed and the guest runs. `seen`
 * holds what this watch did receive before the answer ("MIGRATION setup").
 */
export function missedOnConnect(answers: ConnectAnswers, seen: ReadonlySet<string>): string[] {
  const m = answers.migrate['status'];
  if (typeof m !== 'string' || m === 'none') return [];
  const at = MIGRATION_STEPS.indexOf(m);
  const implied = (at >= 0 ? MIGRATION_STEPS.slice(0, at + 1) : ['setup', m]).map((x) => `MIGRATION ${x}`);
  if (m === 'completed' && !('total-time' in answers.migrate) && answers.status.running)
    implied.push('RESUME');
  return implied.filter((e) => !seen.has(e));
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
  /** host NUL pid -> the events received before the watch's query-status answered. */
  private readonly early = new Map<string, Set<string>>();

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

  /**
   * The watch of a QEMU connected: query-migrate then query-status answered
   * (`ns`: when query-status's answer arrived). Events of this QEMU received
   * before it were written as they came and count as seen.
   */
  connected(host: string, pid: number, vm: string, answers: ConnectAnswers, ns: bigint): void {
    const known = this.byHost.get(host) ?? new Map<number, Instance>();
    this.byHost.set(host, known);
    const key = `${host}\u0000${pid}`;
    const seen = this.early.get(key) ?? new Set<string>();
    this.early.delete(key);
    known.set(pid, { vm, status: answers.status.status, running: answers.status.running });
    this.found.add(vm);
    const migration = answers.migrate['status'];
    const missed = missedOnConnect(answers, seen);
    this.emit.occurrence(
      'lifecycle',
      `vm:${vm}`,
      {
        host,
        event: 'query-status',
        detail: answers.status.status,
        after: 'connect',
        pid,
        ...(typeof migration === 'string' ? { migration } : {}),
        ...(missed.length ? { missed } : {}),
      },
      ns,
    );
    this.placements(host, ns);
  }

  /** The QMP connection of an instance ended: its QEMU exited (or the host went away; the scan tells). */
  disconnected(host: string, pid: number, ns: bigint): void {
    this.early.delete(`${host}\u0000${pid}`);
    if (this.byHost.get(host)?.delete(pid)) this.placements(host, ns);
  }

  /**
   * A QMP event, written as it arrives (`ns`), never held for what is asked
   * after it (that is a record of its own: `stopReason`, `downtime`), so the
   * records of a QEMU stay in the order it sent them. The run state it
   * implies is placed at once.
   */
  event(host: string, pid: number, vm: string, ev: QmpEvent, ns: bigint): void {
    if (!(QMP_LIFECYCLE_EVENTS as readonly string[]).includes(ev.event)) return;
    const detail =
      ev.event === 'MIGRATION'
        ? stringOf(ev.data['status'])
        : ev.event === 'SHUTDOWN'
          ? stringOf(ev.data['reason'])
          : undefined;
    const at = qmpTimeText(ev.timestamp);
    this.emit.occurrence(
      'lifecycle',
      `vm:${vm}`,
      { host, event: ev.event, ...(detail ? { detail } : {}), ...(at ? { at } : {}), pid },
      ns,
    );
    const inst = this.byHost.get(host)?.get(pid);
    if (!inst) {
      // Before the watch's own query-status answered: its answer already holds this event's effect.
      const key = `${host}\u0000${pid}`;
      const seen = this.early.get(key) ?? new Set<string>();
      this.early.set(key, seen.add(detail && ev.event === 'MIGRATION' ? `MIGRATION ${detail}` : ev.event));
      return;
    }
    if (ev.event === 'RESUME') Object.assign(inst, { status: 'running', running: true });
    // "paused" until query-status says why (io-error, postmigrate...).
    else if (ev.event === 'STOP') Object.assign(inst, { status: 'paused', running: false });
    else if (ev.event === 'SHUTDOWN') Object.assign(inst, { status: 'shutdown', running: false });
    else return;
    this.placements(host, ns);
  }

  /** query-status's answer after a STOP (`ns`: when it arrived): why the guest stopped. */
  stopReason(host: string, pid: number, vm: string, status: string, ns: bigint): void {
    this.emit.occurrence(
      'lifecycle',
      `vm:${vm}`,
      { host, event: 'query-status', detail: status, after: 'STOP', pid },
      ns,
    );
    const inst = this.byHost.get(host)?.get(pid);
    // Only while still stopped: a RESUME that came before this answer is newer than the STOP it explains.
    if (inst && !inst.running && status !== 'running') {
      inst.status = status;
      this.placements(host, ns);
    }
  }

  /**
   * The source's downtime after MIGRATION completed: QEMU's figures, or why
   * they were not read (never a number then), after `queries` query-migrate.
   */
  downtime(
    host: string,
    pid: number,
    vm: string,
    read: { downtimeMs: number; totalTimeMs: number } | { notRead: string },
    queries: number,
    ns: bigint,
  ): void {
    this.emit.occurrence(
      'lifecycle',
      `vm:${vm}`,
      {
        host,
        event: 'query-migrate',
        detail: 'completed',
        after: 'MIGRATION completed',
        pid,
        ...('notRead' in read
          ? { downtimeNotRead: read.notRead }
          : { downtimeMs: read.downtimeMs, totalTimeMs: read.totalTimeMs }),
        queries,
      },
      ns,
    );
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
