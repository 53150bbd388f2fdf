import { writeFileSync } from 'node:fs';
import type { z } from 'zod';
import { type TimelineRecord, timelineRecord } from '../../chaos/timeline/index.js';
import type { alertNotice, fenceEvent, pacemakerNode, vmPlacement } from '../../chaos/watchers/events.js';
import type { StepWindow, TimelineEvent } from '../../suites/verdicts/verdict.js';
import { stepWindows } from '../../suites/verdicts/windows.js';

/*
 * Synthetic timelines for verdict, report and runner tests: every time is in
 * milliseconds from the start of the run, every record is validated against
 * the timeline schema as it is added, and `events()` numbers them as the
 * lines of a file (sorted by when they were written, as a file is).
 *
 *   const t = new TimelineBuilder()
 *     .faultStep({ fault: 'f1', name: 'host-power-off', targets: ['host1'], startMs: 1000, verifiedMs: 1500, revertedMs: 60_000, steadyMs: 70_000, endMs: 71_000 })
 *     .placement(0, 'vm1', ['host1'])
 *     .probes('vm1', 0, 1000, { bootId: BOOT_A })
 *     .probes('vm1', 1000, 30_000, { ok: false })
 *     .probes('vm1', 30_000, 71_000, { bootId: BOOT_B });
 *   restartedWithin(t.events(), t.window(), { vm: 'vm1', targetMs: 60_000 });
 */

export const MS = 1_000_000n;
export const BOOT_A = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
export const BOOT_B = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb';
export const BOOT_C = 'cccccccc-cccc-4ccc-8ccc-cccccccccccc';

/** How long an unanswered request waits before it is written (the probe's default timeout). */
const PROBE_TIMEOUT_MS = 500;

export interface SampleSpec {
  /** Default true. */
  ok?: boolean;
  bootId?: string;
  /** The disk counter: a number, or a function of the send time (ms). */
  counter?: number | ((sentMs: number) => number);
  /** Default "timed out" for a failed request. */
  error?: string;
  /** Answer latency, default 1 ms. */
  answerMs?: number;
  /** Other fields as the probe extracted them. */
  fields?: Record<string, unknown>;
}

export interface FaultStepSpec {
  /** Default "1.1". */
  step?: string;
  /** The step's name in the suite; default the fault's name. */
  stepName?: string;
  /** Ledger fault id; default "f1". */
  fault?: string;
  /** The fault's name, e.g. host-power-off. */
  name: string;
  targets: string[];
  startMs: number;
  /** Ledger `injected`; default verifiedMs (or startMs + 1 when neither is given). */
  injectedMs?: number;
  /** Ledger `verified`; omit for an injection that never verified. */
  verifiedMs?: number;
  /** Ledger `reverting`, default revertedMs - 1. */
  revertingMs?: number;
  /** Ledger `reverted`; omit for a revert that never completed. */
  revertedMs?: number;
  steadyMs?: number;
  /** Default: the last of the other times + 1. */
  endMs?: number;
}

export interface ActionStepSpec {
  step?: string;
  stepName?: string;
  /** Action id; default "a1". */
  id?: string;
  /** e.g. live-migrate. */
  action: string;
  targets: string[];
  startMs: number;
  doneMs?: number;
  failedMs?: number;
  detail?: Record<string, unknown>;
  steadyMs?: number;
  endMs?: number;
}

type NodeFields = z.infer<typeof pacemakerNode>;
type PlacementFields = z.infer<typeof vmPlacement>;
type FenceFields = z.infer<typeof fenceEvent>;

interface Entry {
  order: number;
  record: TimelineRecord;
}

export class TimelineBuilder {
  private readonly entries: Entry[] = [];
  private built: TimelineEvent[] | undefined;
  readonly baseNs: bigint;
  private readonly baseWall: number;

  constructor(opts: { baseNs?: bigint; baseWall?: string } = {}) {
    this.baseNs = opts.baseNs ?? 5_000_000_000_000n;
    this.baseWall = Date.parse(opts.baseWall ?? '2026-12-01T12:00:00.000Z');
  }

  /** Monotonic ns of a time in ms from the start. */
  ns(ms: number): bigint {
    return this.baseNs + BigInt(Math.round(ms * 1e6));
  }

  /** Any record, stamped at `ms` unless it carries its own ns. */
  add(ms: number, record: Record<string, unknown>): this {
    const ns = this.ns(ms);
    const parsed = timelineRecord.parse({
      v: 1,
      ns: String(ns),
      wall: new Date(this.baseWall + ms).toISOString(),
      ...record,
    });
    this.entries.push({ order: this.entries.length, record: parsed });
    this.built = undefined;
    return this;
  }

  run(ms: number, phase: 'start' | 'end', run = 'run-1'): this {
    return this.add(ms, { kind: 'run', run, phase });
  }

  step(
    ms: number,
    step: string,
    phase: 'start' | 'injected' | 'reverted' | 'steady' | 'end',
    extra: { name?: string; faults?: string[]; detail?: Record<string, unknown> } = {},
  ): this {
    return this.add(ms, { kind: 'step', step, phase, ...extra });
  }

  ledger(
    ms: number,
    fault: string,
    state: 'intended' | 'injected' | 'verified' | 'reverting' | 'reverted' | 'revert-failed' | 'refused',
    about: { name: string; targets: string[]; detail?: string },
  ): this {
    return this.add(ms, { kind: 'ledger', fault, state, ...about });
  }

  action(
    ms: number,
    action: string,
    id: string,
    phase: 'start' | 'done' | 'failed',
    targets: string[] = [],
    detail?: Record<string, unknown>,
  ): this {
    return this.add(ms, { kind: 'action', action, id, phase, targets, ...(detail ? { detail } : {}) });
  }

  /** One probe request sent at `sentMs`. */
  probe(sentMs: number, vm: string, spec: SampleSpec = {}): this {
    const ok = spec.ok ?? true;
    const answerMs = spec.answerMs ?? 1;
    const sent = this.ns(sentMs);
    const fields = this.fieldsOf(spec, sentMs);
    return this.add(sentMs + (ok ? answerMs : PROBE_TIMEOUT_MS), {
      kind: 'probe',
      probe: vm,
      sentNs: String(sent),
      ok,
      ...(ok ? { answeredNs: String(this.ns(sentMs + answerMs)) } : { error: spec.error ?? 'timed out' }),
      ...(fields ? { fields } : {}),
    });
  }

  /** One request every `every` ms (default 10) from `fromMs` up to, not including, `toMs`. */
  probes(vm: string, fromMs: number, toMs: number, spec: SampleSpec & { every?: number } = {}): this {
    const every = spec.every ?? 10;
    for (let t = fromMs; t < toMs; t += every) this.probe(t, vm, spec);
    return this;
  }

  /** The same requests as `probes`, folded into one record (count/lastSentNs); the counter is read at `fromMs`. */
  fold(vm: string, fromMs: number, toMs: number, spec: SampleSpec & { every?: number } = {}): this {
    const every = spec.every ?? 10;
    const count = Math.ceil((toMs - fromMs) / every);
    const lastMs = fromMs + (count - 1) * every;
    const ok = spec.ok ?? true;
    const answerMs = spec.answerMs ?? 1;
    const fields = this.fieldsOf(spec, fromMs);
    return this.add(lastMs + (ok ? answerMs : PROBE_TIMEOUT_MS), {
      kind: 'probe',
      probe: vm,
      sentNs: String(this.ns(fromMs)),
      ok,
      ...(ok ? { answeredNs: String(this.ns(fromMs + answerMs)) } : { error: spec.error ?? 'timed out' }),
      ...(fields ? { fields } : {}),
      ...(count > 1 ? { count, lastSentNs: String(this.ns(lastMs)) } : {}),
    });
  }

  watch(ms: number, watcher: string, event: string, subject: string, fields?: Record<string, unknown>): this {
    return this.add(ms, { kind: 'watch', watcher, event, subject, ...(fields ? { fields } : {}) });
  }

  /** A Pacemaker node state (online, clean, not standby unless told). */
  node(ms: number, host: string, state: Partial<NodeFields> = {}, watcher = 'pacemaker'): this {
    const fields: NodeFields = {
      online: true,
      unclean: false,
      standby: false,
      maintenance: false,
      pending: false,
      via: 'host2',
      ...state,
    };
    return this.watch(ms, watcher, 'node', `node:${host}`, fields);
  }

  /** Where the HA manager runs `vm` (hosts [] when stopped). */
  placement(
    ms: number,
    vm: string,
    hosts: string[],
    opts: Partial<Omit<PlacementFields, 'hosts'>> & { watcher?: string } = {},
  ): this {
    const { watcher = 'pacemaker', ...rest } = opts;
    const fields: PlacementFields = {
      hosts,
      role: hosts.length ? 'Started' : 'Stopped',
      failed: false,
      resource: `vm-${vm}`,
      via: 'host2',
      ...rest,
    };
    return this.watch(ms, watcher, 'placement', `vm:${vm}`, fields);
  }

  fence(
    ms: number,
    host: string,
    status: FenceFields['status'] = 'success',
    opts: Partial<FenceFields> = {},
  ): this {
    const fields: FenceFields = { target: host, action: 'reboot', status, origin: 'host2', ...opts };
    return this.watch(ms, 'pacemaker', 'fence', `fence:${host}`, fields);
  }

  reachability(ms: number, watcher: string, reachable: boolean, error?: string): this {
    return this.watch(ms, watcher, 'reachability', 'cluster', { reachable, ...(error ? { error } : {}) });
  }

  alert(
    ms: number,
    alertname: string,
    status: 'firing' | 'resolved',
    labels: Record<string, string> = {},
    /** Alertmanager's identity of the alert, when the test tells two alerts of one name apart. */
    fingerprint?: string,
  ): this {
    const fields: z.infer<typeof alertNotice> = {
      status,
      labels: { alertname, ...labels },
      ...(fingerprint ? { fingerprint } : {}),
    };
    return this.watch(ms, 'alertmanager', 'alert', `alert:${alertname}`, fields);
  }

  /**
   * A suite step around one ledger fault: step start, the fault's intended /
   * injected / verified, step injected, reverting / reverted, step reverted,
   * steady, end. Leave out verifiedMs or revertedMs for what never happened.
   */
  faultStep(s: FaultStepSpec): this {
    const step = s.step ?? '1.1';
    const fault = s.fault ?? 'f1';
    const about = { name: s.name, targets: s.targets };
    const injectedMs = s.injectedMs ?? s.verifiedMs ?? s.startMs + 1;
    this.step(s.startMs, step, 'start', { name: s.stepName ?? s.name, faults: [fault] });
    this.ledger(s.startMs, fault, 'intended', about);
    this.ledger(injectedMs, fault, 'injected', about);
    if (s.verifiedMs !== undefined) {
      this.ledger(s.verifiedMs, fault, 'verified', about);
      this.step(s.verifiedMs, step, 'injected', { faults: [fault] });
    }
    if (s.revertedMs !== undefined) {
      this.ledger(s.revertingMs ?? s.revertedMs - 1, fault, 'reverting', about);
      this.ledger(s.revertedMs, fault, 'reverted', about);
      this.step(s.revertedMs, step, 'reverted');
    }
    if (s.steadyMs !== undefined) this.step(s.steadyMs, step, 'steady');
    const last = Math.max(s.startMs, injectedMs, s.verifiedMs ?? 0, s.revertedMs ?? 0, s.steadyMs ?? 0);
    return this.step(s.endMs ?? last + 1, step, 'end');
  }

  /** A suite step around one planned action (a live migration): step start, action start, done or failed, end. */
  actionStep(s: ActionStepSpec): this {
    const step = s.step ?? '1.1';
    const id = s.id ?? 'a1';
    this.step(s.startMs, step, 'start', { name: s.stepName ?? s.action, faults: [id] });
    this.action(s.startMs, s.action, id, 'start', s.targets, s.detail);
    if (s.doneMs !== undefined) {
      this.action(s.doneMs, s.action, id, 'done', s.targets, s.detail);
      this.step(s.doneMs, step, 'injected', { faults: [id] });
    }
    if (s.failedMs !== undefined) this.action(s.failedMs, s.action, id, 'failed', s.targets, s.detail);
    if (s.steadyMs !== undefined) this.step(s.steadyMs, step, 'steady');
    const last = Math.max(s.startMs, s.doneMs ?? 0, s.failedMs ?? 0, s.steadyMs ?? 0);
    return this.step(s.endMs ?? last + 1, step, 'end');
  }

  /** The records as a file holds them: in the order they were written, numbered from line 1. */
  events(): TimelineEvent[] {
    this.built ??= [...this.entries]
      .sort((a, b) => {
        const x = BigInt(a.record.ns);
        const y = BigInt(b.record.ns);
        return x < y ? -1 : x > y ? 1 : a.order - b.order;
      })
      .map((e, i) => ({ line: i + 1, record: e.record }));
    return this.built;
  }

  /** The step's window, as the runner would read it from this timeline. */
  window(step = '1.1'): StepWindow {
    const w = stepWindows(this.events()).find((x) => x.step === step);
    if (!w) throw new Error(`the built timeline has no step ${step}`);
    return w;
  }

  /** Writes the timeline as a JSON Lines file; returns the path. */
  write(path: string): string {
    writeFileSync(
      path,
      this.events()
        .map((e) => `${JSON.stringify(e.record)}\n`)
        .join(''),
    );
    return path;
  }

  /** The line of the first event that matches, for asserting evidence. */
  lineOf(match: (r: TimelineRecord) => boolean): number {
    const e = this.events().find((x) => match(x.record));
    if (!e) throw new Error('no such record in the built timeline');
    return e.line;
  }

  private fieldsOf(spec: SampleSpec, sentMs: number): Record<string, unknown> | undefined {
    if (spec.ok === false) return spec.fields;
    const counter = typeof spec.counter === 'function' ? spec.counter(sentMs) : spec.counter;
    const fields = {
      ...(spec.bootId === undefined ? {} : { bootId: spec.bootId }),
      ...(counter === undefined ? {} : { counter }),
      ...spec.fields,
    };
    return Object.keys(fields).length ? fields : undefined;
  }
}
