import { hostname, userInfo } from 'node:os';
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import { abortableSleep } from '../core/deadline.js';
import { errorMessage, HavocError } from '../core/errors.js';
import type { Redactor } from '../core/redact.js';
import type { LoadedInventory } from '../inventory/load.js';
import type { AnyFault, FaultContext, Observation } from './fault.js';
import { FaultContexts } from './fault-contexts.js';
import { startGuardian } from './guardian/launch.js';
import { heal } from './heal.js';
import { readLedger } from './ledger/reader.js';
import type { FaultState, LedgerInput } from './ledger/schema.js';
import { type LedgerWriter, openLedger } from './ledger/writer.js';
import { FaultRecorder } from './recorder.js';
import { refusalsOf, thisStation } from './refusals.js';
import { newRunId } from './run-id.js';
import { openTimeline } from './timeline/writer.js';

export interface InjectOptions {
  fault: AnyFault;
  /** Parameters before the fault's schema parsed them. */
  rawParams: unknown;
  loaded: LoadedInventory;
  ledgerDir: string;
  /** Directory for the run's timeline (`<run>.jsonl`). */
  timelineDir: string;
  holdMs: number;
  /** The guardian reverts the fault this long after its intent, whatever the run does. */
  maxDurationMs: number;
  redactor: Redactor;
  log: Logger;
  /** Aborting it (Ctrl-C) ends the hold early: the fault is reverted, as always. */
  holdSignal: AbortSignal;
  command: string;
  logLevel: Parameters<typeof startGuardian>[0]['logLevel'];
  progress(text: string): void;
  /**
   * Test hook (HAVOC_CHAOS_STOP_AFTER): the run stops itself with SIGSTOP
   * right after recording this state, so a test can kill it at exactly that
   * point. Never set outside tests.
   */
  stopAfter?: FaultState | undefined;
}

export interface InjectReport {
  run: string;
  fault: string;
  name: string;
  summary: string;
  ledgerDir: string;
  timeline: string;
  guardianPid: number;
  injected: Observation | undefined;
  reverted: { ok: boolean; reason?: string; evidence: string[]; by: string };
  /** The fault was seen in effect and then seen gone. */
  ok: boolean;
  error?: string;
}

const LOCK_WAIT_MS = 5 * 60_000;
const REVERT_DEADLINE_MS = 5 * 60_000;

/**
 * One fault, start to end: refusals (recorded, then nothing else happens),
 * the guardian, the intent (fsynced before anything is touched), inject,
 * verify, hold, then the revert through the same path a heal takes. Throws
 * HavocError('refused') when refused; otherwise returns what was seen.
 */
export async function injectFault(o: InjectOptions): Promise<InjectReport> {
  const { fault } = o;
  const parsed = fault.params.safeParse(o.rawParams);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new HavocError(
      'usage',
      `bad parameters for ${fault.name}: ${issue?.path.length ? `${issue.path.join('.')}: ` : ''}${issue?.message}`,
    );
  }
  const params = parsed.data;
  const inventoryFile = resolve(o.loaded.file);
  const run = newRunId();
  const id = `${run}/1`;
  const requester = {
    user: userInfo().username,
    uid: userInfo().uid,
    pid: process.pid,
    host: hostname(),
    command: o.command,
  };
  const contexts = new FaultContexts(o.redactor, o.log);
  contexts.add(o.loaded);
  const ledger = stoppingAfter(openLedger(o.ledgerDir, run, o.redactor), o.stopAfter);
  const stepCtx = (ms: number): FaultContext => contexts.contextFor(inventoryFile, AbortSignal.timeout(ms));
  try {
    const targets = fault.hosts(params);
    const reasons = await refusalsOf(fault, params, stepCtx(60_000), thisStation());
    if (reasons.length > 0) {
      ledger.record({
        fault: id,
        state: 'refused',
        name: fault.name,
        targets,
        reasons,
        inventory: inventoryFile,
        requester,
      });
      throw new HavocError('refused', `${fault.name} refused: ${reasons.join('; ')}`, {
        hint: 'nothing was injected',
      });
    }
    const description = fault.describe(params);
    const guardian = await startGuardian(
      { ledgerDir: o.ledgerDir, run, logLevel: o.logLevel },
      AbortSignal.timeout(30_000),
    );
    const timelinePath = `${o.timelineDir}/${run}.jsonl`;
    const timeline = openTimeline(timelinePath, { exclusive: true });
    const recorder = new FaultRecorder(ledger, timeline, (m) => o.log.warn(m));
    const about = { name: fault.name, targets: description.targets };
    const record = (input: LedgerInput) => recorder.record(input, about);
    timeline.append({ kind: 'run', run, phase: 'start', detail: { fault: fault.name, command: o.command } });
    const report: InjectReport = {
      run,
      fault: id,
      name: fault.name,
      summary: description.summary,
      ledgerDir: o.ledgerDir,
      timeline: timelinePath,
      guardianPid: guardian.pid,
      injected: undefined,
      reverted: { ok: false, evidence: [], by: run },
      ok: false,
    };
    try {
      record({
        fault: id,
        state: 'intended',
        name: fault.name,
        params,
        description,
        maxDurationMs: o.maxDurationMs,
        inventory: inventoryFile,
        requester,
        guardianPid: guardian.pid,
        timeline: timelinePath,
      });
      guardian.send({ watch: id });
      o.progress(`injecting ${description.summary}`);
      try {
        const injection = (await fault.inject(params, stepCtx(120_000))) ?? undefined;
        record({ fault: id, state: 'injected', ...(injection ? { detail: injection.detail } : {}) });
        const seen = await fault.verify(params, stepCtx(120_000), injection);
        report.injected = seen;
        if (seen.state === 'in-effect') {
          record({ fault: id, state: 'verified', evidence: seen.evidence });
          o.progress(`in effect (${seen.evidence.length} observations); holding ${o.holdMs} ms`);
          await abortableSleep(o.holdMs, o.holdSignal).catch(() => o.progress('interrupted: reverting now'));
        } else {
          report.error = `injected but not seen in effect (${seen.state})`;
        }
      } catch (err) {
        report.error = `injection failed: ${errorMessage(err)}`;
      }
      o.progress(`reverting ${description.summary}`);
      const healed = await heal({
        ledgerDir: o.ledgerDir,
        ledger,
        contexts,
        log: o.log,
        signal: AbortSignal.timeout(REVERT_DEADLINE_MS),
        lockWaitMs: LOCK_WAIT_MS,
        only: (f) => f.id === id,
        timelines: new Map([[timelinePath, timeline]]),
        why: report.error ?? 'the run is done',
      });
      const mine = healed.healed[0] ?? healed.failed[0];
      if (mine) {
        report.reverted = {
          ok: !('reason' in mine),
          ...('reason' in mine ? { reason: mine.reason } : {}),
          evidence: mine.evidence,
          by: run,
        };
      } else {
        // Someone else (the guardian, at the maximum duration) reverted it first: say who.
        const f = readLedger(o.ledgerDir).faults.find((x) => x.id === id);
        const last = f?.history.at(-1);
        report.reverted = {
          ok: f?.state === 'reverted',
          evidence: last && 'evidence' in last ? (last.evidence ?? []) : [],
          by: last?.by ?? 'unknown',
        };
      }
      report.ok = report.error === undefined && report.reverted.ok;
      guardian.send({ done: id });
      timeline.append({ kind: 'run', run, phase: 'end', detail: { ok: report.ok } });
      return report;
    } finally {
      timeline.close();
      guardian.finish();
    }
  } finally {
    ledger.close();
    contexts.close();
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
