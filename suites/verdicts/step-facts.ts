import { earlierNs } from './timeline-events.js';
import type { StepWindow, TimelineEvent, Verdict } from './verdict.js';
import { durationText, msOf, verdictOf } from './verdict-of.js';
import { injectionRecords, revertRecords } from './windows.js';

/*
 * What every checker first needs to know about its step: when its fault
 * began, when it was in effect, and the lines that say so. A step whose
 * injection was never verified has nothing to judge: inconclusive.
 */

export interface Injection {
  /** When every fault of the step was in effect (the window's injectedNs). */
  ns: bigint;
  /** When the step's faults began: their first ledger record or action start (the step's start if none). */
  startNs: bigint;
  /** The lines of the injection (ledger `verified`, action `done`) and of the faults' first records. */
  lines: number[];
}

export type InjectionOrVerdict = { injection: Injection } | { verdict: Verdict };

/** The step's injection, or the inconclusive verdict saying why there is none. */
export function stepInjection(
  events: readonly TimelineEvent[],
  window: StepWindow,
  expectation: string,
  subject: string,
  targetMs?: number,
): InjectionOrVerdict {
  const firsts = firstRecords(events, window.faults);
  if (window.injectedNs === undefined) {
    const marks = events.filter((e) => e.record.kind === 'step' && e.record.step === window.step);
    // The runner says on the step's own marks why it stopped (a refusal, a selector that found no host).
    const error = marks
      .map((e) => (e.record.kind === 'step' ? e.record.detail?.error : undefined))
      .find((x): x is string => typeof x === 'string');
    const verified = injectionRecords(events, window.faults);
    const missing = window.faults.filter((f) => !verified.has(f));
    const reason =
      window.faults.length === 0
        ? `step ${window.step} injected nothing${error ? ` (${error})` : ''}, so there is no injection to measure from`
        : `step ${window.step}: ${missing.map((f) => describeFault(events, f)).join(', ')}`;
    const stepLines = marks.map((e) => e.line);
    return {
      verdict: verdictOf(expectation, subject, 'inconclusive', reason, [...stepLines, ...firsts.values()], {
        targetMs,
      }),
    };
  }
  const verified = injectionRecords(events, window.faults);
  const startNs = [...firsts.keys()].reduce(earlierNs, window.injectedNs);
  return {
    injection: {
      ns: window.injectedNs,
      startNs: firsts.size ? startNs : window.startNs,
      lines: [...[...verified.values()].map((e) => e.line), ...firsts.values()],
    },
  };
}

/** The first ledger record (not a refusal) or action start of each fault: ns -> line. */
function firstRecords(events: readonly TimelineEvent[], faults: readonly string[]): Map<bigint, number> {
  const seen = new Set<string>();
  const out = new Map<bigint, number>();
  for (const { line, record: r } of events) {
    const id =
      r.kind === 'ledger' && r.state !== 'refused'
        ? r.fault
        : r.kind === 'action' && r.phase === 'start'
          ? r.id
          : undefined;
    if (id === undefined || !faults.includes(id) || seen.has(id)) continue;
    seen.add(id);
    out.set(BigInt(r.ns), line);
  }
  return out;
}

/** "fault f1 (host-power-off host1) never verified in effect (last state: injected)", from its records. */
function describeFault(events: readonly TimelineEvent[], id: string): string {
  let what: string | undefined;
  let last: { state: string; detail?: string | undefined } | undefined;
  for (const { record: r } of events) {
    if (r.kind === 'ledger' && r.fault === id) {
      what ??= `fault ${id} (${[r.name, ...r.targets].join(' ')})`;
      last = { state: r.state, detail: r.detail };
    }
    if (r.kind === 'action' && r.id === id) what = `action ${id} (${[r.action, ...r.targets].join(' ')})`;
  }
  if (!what) return `${id} has no ledger or action record at all`;
  if (last?.state === 'refused') return `${what} was refused${last.detail ? `: ${last.detail}` : ''}`;
  const lastState = last && last.state !== 'intended' ? ` (last state: ${last.state})` : '';
  return `${what} never verified in effect${lastState}`;
}

/** The line of the step's record of `phase`, if written. */
export function stepMarkLine(
  events: readonly TimelineEvent[],
  window: StepWindow,
  phase: 'start' | 'injected' | 'reverted' | 'steady' | 'end',
): number | undefined {
  return events.find(
    (e) => e.record.kind === 'step' && e.record.step === window.step && e.record.phase === phase,
  )?.line;
}

/**
 * For a checker that found nothing by the step's end: did the evidence run
 * long enough to call that a fail? `untilNs` is how far it reached.
 */
export function reachedTarget(fromNs: bigint, untilNs: bigint, targetMs: number): boolean {
  return msOf(untilNs - fromNs) >= targetMs;
}

/** "after 12.3 s" from the injection, for reasons. */
export function sinceInjection(ns: bigint, injection: Injection): string {
  const d = ns - injection.ns;
  return d >= 0n
    ? `${durationText(msOf(d))} after the injection`
    : `${durationText(msOf(-d))} before the injection was verified`;
}

export interface Revert {
  /** When every ledger fault of the step was reverted (the window's revertedNs). */
  ns: bigint;
  /** The ledger `reverted` lines. */
  lines: number[];
}

/**
 * The step's verified revert, or the inconclusive verdict saying why there
 * is none (a revert not verified, or a step of actions only, which the
 * ledger does not revert): for the checkers that measure from it.
 */
export function stepRevert(
  events: readonly TimelineEvent[],
  window: StepWindow,
  expectation: string,
  subject: string,
  targetMs?: number,
): { revert: Revert } | { verdict: Verdict } {
  const { reverted, inLedger } = revertRecords(events, window.faults);
  const lines = [...reverted.values()].map((e) => e.line);
  if (window.revertedNs !== undefined) return { revert: { ns: window.revertedNs, lines } };
  const reason =
    inLedger.size === 0
      ? `step ${window.step} has no fault in the ledger, so no revert to measure from`
      : `step ${window.step}: the revert of ${[...inLedger].filter((f) => !reverted.has(f)).join(', ')} was never verified`;
  return {
    verdict: verdictOf(
      expectation,
      subject,
      'inconclusive',
      reason,
      [stepMarkLine(events, window, 'start'), ...lines],
      { targetMs },
    ),
  };
}
