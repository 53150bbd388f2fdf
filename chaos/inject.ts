import type { Logger } from 'pino';
import { abortableSleep } from '../core/deadline.js';
import type { Redactor } from '../core/redact.js';
import type { LoadedInventory } from '../inventory/load.js';
import type { ActionDetail, AnyFault, Observation } from './fault.js';
import type { GuardianConfig } from './guardian/protocol.js';
import type { FaultState } from './ledger/schema.js';
import { RunSession } from './session.js';

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
  logLevel: GuardianConfig['logLevel'];
  progress(text: string): void;
  /** Test hook (HAVOC_CHAOS_STOP_AFTER), see SessionOptions. */
  stopAfter?: FaultState | undefined;
  /**
   * Runs once the run's timeline is open and before the fault is injected
   * (probes and watchers of `--probe`); what it returns is stopped after the
   * revert, before the run ends.
   */
  around?: (session: RunSession) => Promise<{ stop(): Promise<void> }>;
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
  /** What an action reported about itself when done (a live migration's own downtime). */
  actionDetail?: ActionDetail;
  reverted: { ok: boolean; reason?: string; evidence: string[]; by: string };
  /** The fault was seen in effect and then seen gone. */
  ok: boolean;
  error?: string;
}

/**
 * One fault, start to end, as a run session of one step: refusals, the
 * guardian, the intent, inject, verify, hold, revert. Throws
 * HavocError('refused') when refused; otherwise returns what was seen.
 */
export async function injectFault(o: InjectOptions): Promise<InjectReport> {
  const session = new RunSession({
    loaded: o.loaded,
    ledgerDir: o.ledgerDir,
    timelineDir: o.timelineDir,
    redactor: o.redactor,
    log: o.log,
    command: o.command,
    logLevel: o.logLevel,
    detail: { fault: o.fault.name },
    stopAfter: o.stopAfter,
  });
  let ok = false;
  let around: { stop(): Promise<void> } | undefined;
  try {
    const f = await session.inject(o.fault, o.rawParams, {
      maxDurationMs: o.maxDurationMs,
      progress: o.progress,
      before: async () => {
        if (o.around) around = await o.around(session);
      },
    });
    if (f.error === undefined) {
      o.progress(`in effect (${f.injected?.evidence.length ?? 0} observations); holding ${o.holdMs} ms`);
      await abortableSleep(o.holdMs, o.holdSignal).catch(() => o.progress('interrupted: reverting now'));
    }
    const reverted = await session.revert(f, f.error ?? 'the run is done', o.progress);
    await around?.stop();
    around = undefined;
    ok = f.error === undefined && reverted.ok;
    return {
      run: session.run,
      fault: f.id,
      name: o.fault.name,
      summary: f.summary,
      ledgerDir: o.ledgerDir,
      timeline: session.timelinePath,
      guardianPid: session.guardianPid!,
      injected: f.injected,
      ...(f.actionDetail ? { actionDetail: f.actionDetail } : {}),
      reverted,
      ok,
      ...(f.error === undefined ? {} : { error: f.error }),
    };
  } finally {
    await around?.stop().catch((err) => o.log.warn(`probes or watchers: ${(err as Error).message}`));
    session.close({ ok });
  }
}
