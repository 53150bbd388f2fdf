import { hostname, userInfo } from 'node:os';
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import { errorMessage, HavocError } from '../core/errors.js';
import type { Redactor } from '../core/redact.js';
import type { LoadedInventory } from '../inventory/load.js';
import type { ActionDetail, AnyFault, FaultContext, Observation } from './fault.js';
import { FaultContexts } from './fault-contexts.js';
import { type Guardian, startGuardian } from './guardian/launch.js';
import type { GuardianConfig } from './guardian/protocol.js';
import { heal } from './heal.js';
import { bootId } from './ledger/boot-id.js';
import { readLedger } from './ledger/reader.js';
import type { FaultState, LedgerInput } from './ledger/schema.js';
import { type LedgerWriter, openLedger } from './ledger/writer.js';
import { FaultRecorder } from './recorder.js';
import { refusalsOf, thisStation } from './refusals.js';
import { newRunId } from './run-id.js';
import type { TimelineRecord } from './timeline/schema.js';
import { openTimeline, type Timeline } from './timeline/writer.js';

export interface SessionOptions {
  loaded: LoadedInventory;
  ledgerDir: string;
  /** Directory for the run's timeline (`<run>.jsonl`). */
  timelineDir: string;
  redactor: Redactor;
  log: Logger;
  /** The command line, for the ledger's requester and the run record. */
  command: string;
  logLevel: GuardianConfig['logLevel'];
  /** What the run record says about the run (the fault, the suite). */
  detail?: Record<string, unknown>;
  /**
   * Test hook (HAVOC_CHAOS_STOP_AFTER): the run stops itself with SIGSTOP
   * right after recording this state, so a test can kill it at exactly that
   * point. Never set outside tests.
   */
  stopAfter?: FaultState | undefined;
}

/** A fault of the session once its intent was written: what was seen of its injection. */
export interface InjectedFault {
  /** Ledger fault id, `<run>/<n>`. */
  id: string;
  fault: AnyFault;
  params: unknown;
  summary: string;
  targets: string[];
  /** When the independent observation saw it (monotonic ns), if it did. */
  verifiedNs?: bigint;
  injected: Observation | undefined;
  /** What an action reported about itself when done (a live migration's own downtime). */
  actionDetail?: ActionDetail;
  /** Why it is not known to be in effect (injection threw, or verify did not see it). */
  error?: string;
}

export interface RevertOutcome {
  ok: boolean;
  reason?: string;
  evidence: string[];
  /** The writer that reverted it: the run, or the guardian at the maximum duration. */
  by: string;
}

export interface InjectStepOptions {
  /** The guardian reverts the fault this long after its intent, whatever the run does. */
  maxDurationMs: number;
  progress(text: string): void;
  /** Runs once the fault passed its refusals and the timeline is open, before its intent (start probes here). */
  before?: () => Promise<void>;
}

const LOCK_WAIT_MS = 5 * 60_000;
const REVERT_DEADLINE_MS = 5 * 60_000;
const REFUSAL_MS = 60_000;
const STEP_MS = 120_000;
/** A live migration under TCG on a loaded machine, or an evacuation, takes minutes. */
const INJECT_DEADLINE_MS = 5 * 60_000;

/**
 * One chaos run, however many faults it injects one after another (a
 * `chaos inject`, a suite): one guardian, one ledger writer, one timeline.
 * Nothing is started before it is needed: a run whose only fault is refused
 * leaves just the refusal in the ledger, no guardian and no timeline.
 * Every fault goes the same way: refusals (recorded, then nothing else),
 * the guardian, the intent (fsynced before anything is touched), inject,
 * verify; its revert goes through the path a heal takes (chaos/heal.ts).
 */
export class RunSession {
  readonly run = newRunId();
  readonly timelinePath: string;
  readonly contexts: FaultContexts;
  private readonly ledger: LedgerWriter;
  private readonly inventoryFile: string;
  private readonly requester;
  private guardian: Guardian | undefined;
  private timelineHandle: Timeline | undefined;
  private readonly listeners: ((r: TimelineRecord) => void)[] = [];
  private count = 0;
  private closed = false;

  constructor(private readonly o: SessionOptions) {
    this.inventoryFile = resolve(o.loaded.file);
    this.timelinePath = `${o.timelineDir}/${this.run}.jsonl`;
    this.contexts = new FaultContexts(o.redactor, o.log);
    this.contexts.add(o.loaded);
    this.ledger = stoppingAfter(openLedger(o.ledgerDir, this.run, o.redactor), o.stopAfter);
    const user = userInfo();
    this.requester = {
      user: user.username,
      uid: user.uid,
      pid: process.pid,
      host: hostname(),
      command: o.command,
    };
  }

  get loaded(): LoadedInventory {
    return this.o.loaded;
  }

  get log(): Logger {
    return this.o.log;
  }

  get ledgerDir(): string {
    return this.o.ledgerDir;
  }

  get guardianPid(): number | undefined {
    return this.guardian?.pid;
  }

  /** The run's fault context: its inventory, its SSH pool, this deadline. */
  context(ms: number, parent?: AbortSignal): FaultContext {
    const timeout = AbortSignal.timeout(ms);
    return this.contexts.contextFor(
      this.inventoryFile,
      parent ? AbortSignal.any([parent, timeout]) : timeout,
    );
  }

  /** Called with every record the run appends (probes, watchers, ledger mirror, steps), after it is written. */
  onRecord(listener: (r: TimelineRecord) => void): void {
    this.listeners.push(listener);
  }

  /** The run's timeline, opened (with its `run` start record) on first use. */
  timeline(): Timeline {
    if (this.timelineHandle) return this.timelineHandle;
    const inner = openTimeline(this.timelinePath, { exclusive: true });
    const listeners = this.listeners;
    const log = this.o.log;
    this.timelineHandle = {
      path: inner.path,
      append(input) {
        const r = inner.append(input);
        for (const l of listeners) {
          try {
            l(r);
          } catch (err) {
            log.warn(`timeline listener: ${errorMessage(err)}`);
          }
        }
        return r;
      },
      flush: () => inner.flush(),
      close: () => inner.close(),
    };
    this.timelineHandle.append({
      kind: 'run',
      run: this.run,
      phase: 'start',
      bootId: bootId(),
      detail: { command: this.o.command, ...this.o.detail },
    });
    return this.timelineHandle;
  }

  /**
   * Refusals, then (once) the guardian, the intent, inject and verify.
   * Throws HavocError('refused') when refused; an injection that throws or
   * is not seen in effect is returned with `error` set: it must be reverted
   * all the same.
   */
  async inject(fault: AnyFault, rawParams: unknown, opts: InjectStepOptions): Promise<InjectedFault> {
    if (this.closed) throw new Error('the run session is closed');
    const parsed = fault.params.safeParse(rawParams);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new HavocError(
        'usage',
        `bad parameters for ${fault.name}: ${issue?.path.length ? `${issue.path.join('.')}: ` : ''}${issue?.message}`,
      );
    }
    let params = parsed.data;
    const id = `${this.run}/${++this.count}`;
    // An action may settle its parameters against the cluster first (where the VM runs, where it may go).
    let unresolved: string | undefined;
    if (fault.resolve) {
      try {
        params = await fault.resolve(params, this.context(REFUSAL_MS));
      } catch (err) {
        unresolved = errorMessage(err);
      }
    }
    const targets = fault.hosts(params);
    const reasons =
      unresolved !== undefined
        ? [unresolved]
        : await refusalsOf(fault, params, this.context(REFUSAL_MS), thisStation());
    if (reasons.length > 0) {
      this.recorderFor(undefined).record(
        {
          fault: id,
          state: 'refused',
          name: fault.name,
          targets,
          reasons,
          inventory: this.inventoryFile,
          requester: this.requester,
        },
        { name: fault.name, targets, kind: fault.kind },
      );
      throw new HavocError('refused', `${fault.name} refused: ${reasons.join('; ')}`, {
        hint: 'nothing was injected',
      });
    }
    const description = fault.describe(params);
    this.guardian ??= await startGuardian(
      { ledgerDir: this.o.ledgerDir, run: this.run, logLevel: this.o.logLevel },
      AbortSignal.timeout(30_000),
    );
    const timeline = this.timeline();
    await opts.before?.();
    const about = { name: fault.name, targets: description.targets, kind: fault.kind };
    const recorder = this.recorderFor(timeline);
    const record = (input: LedgerInput, detail?: ActionDetail) => recorder.record(input, about, detail);
    const out: InjectedFault = {
      id,
      fault,
      params,
      summary: description.summary,
      targets: description.targets,
      injected: undefined,
    };
    record({
      fault: id,
      state: 'intended',
      name: fault.name,
      params,
      description,
      maxDurationMs: opts.maxDurationMs,
      inventory: this.inventoryFile,
      requester: this.requester,
      guardianPid: this.guardian.pid,
      timeline: this.timelinePath,
    });
    this.guardian.send({ watch: id });
    opts.progress(`injecting ${description.summary}`);
    try {
      const injection =
        (await fault.inject(params, {
          ...this.context(INJECT_DEADLINE_MS),
          maxDurationMs: opts.maxDurationMs,
        })) ?? undefined;
      record(
        { fault: id, state: 'injected', ...(injection?.detail ? { detail: injection.detail } : {}) },
        injection?.action,
      );
      if (injection?.action) out.actionDetail = injection.action;
      const seen = await fault.verify(params, this.context(STEP_MS), injection);
      out.injected = seen;
      if (seen.state === 'in-effect') {
        const entry = record({ fault: id, state: 'verified', evidence: seen.evidence });
        out.verifiedNs = BigInt(entry.ns);
      } else out.error = `injected but not seen in effect (${seen.state})`;
    } catch (err) {
      out.error = `injection failed: ${errorMessage(err)}`;
    }
    return out;
  }

  /** Reverts one fault of the session through the heal path, and says who reverted it. */
  async revert(f: InjectedFault, why: string, progress: (text: string) => void): Promise<RevertOutcome> {
    progress(`reverting ${f.summary}`);
    const timeline = this.timeline();
    const healed = await heal({
      ledgerDir: this.o.ledgerDir,
      ledger: this.ledger,
      contexts: this.contexts,
      log: this.o.log,
      signal: AbortSignal.timeout(REVERT_DEADLINE_MS),
      lockWaitMs: LOCK_WAIT_MS,
      only: (x) => x.id === f.id,
      timelines: new Map([[this.timelinePath, timeline]]),
      why,
    });
    this.guardian?.send({ done: f.id });
    const mine = healed.healed[0] ?? healed.failed[0];
    if (mine)
      return {
        ok: !('reason' in mine),
        ...('reason' in mine ? { reason: mine.reason } : {}),
        evidence: mine.evidence,
        by: this.run,
      };
    // Someone else (the guardian, at the maximum duration) reverted it first: say who.
    const found = readLedger(this.o.ledgerDir).faults.find((x) => x.id === f.id);
    const last = found?.history.at(-1);
    return {
      ok: found?.state === 'reverted',
      evidence: last && 'evidence' in last ? (last.evidence ?? []) : [],
      by: last?.by ?? 'unknown',
    };
  }

  /** Ends the run: its `run` end record, the timeline closed, the guardian told (it heals what is left). */
  close(detail: Record<string, unknown> = {}): void {
    if (this.closed) return;
    this.closed = true;
    try {
      if (this.timelineHandle) {
        this.timelineHandle.append({ kind: 'run', run: this.run, phase: 'end', detail });
        this.timelineHandle.close();
      }
    } finally {
      this.guardian?.finish();
      this.ledger.close();
      this.contexts.close();
    }
  }

  private recorderFor(timeline: Timeline | undefined): FaultRecorder {
    return new FaultRecorder(this.ledger, timeline, (m) => this.o.log.warn(m));
  }
}

/** The HAVOC_CHAOS_STOP_AFTER test hook: SIGSTOP of this process once that state is on disk. */
function stoppingAfter(ledger: LedgerWriter, state: FaultState | undefined): LedgerWriter {
  if (state === undefined) return ledger;
  return {
    id: ledger.id,
    dir: ledger.dir,
    record(input) {
      const entry = ledger.record(input);
      if (input.state === state) process.kill(process.pid, 'SIGSTOP');
      return entry;
    },
    close: () => ledger.close(),
  };
}
