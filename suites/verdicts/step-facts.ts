import { earlierNs } from './timeline-events.js';
import type { StepWindow, TimelineEvent, Verdict } from './verdict.js';
import { durationText, msOf, verdictOf } from './verdict-of.js';
import { injectionRecords } from './windows.js';

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
    const stepLines = events
      .filter((e) => e.record.kind === 'step' && e.record.step === window.step)
      .map((e) => e.line);
    const verified = injectionRecords(events, window.faults);
    const missing = window.faults.filter((f) => !verified.has(f));
    const reason =
      window.faults.length === 0
        ? `step ${window.step} names no fault or action, so there is no injection to measure from`
        : `step ${window.step}: ${missing.map((f) => describeFault(events, f)).join(', ')} never verified in effect`;
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

/** "fault f1 (host-power-off host1)" from its ledger or action records. */
function describeFault(events: readonly TimelineEvent[], id: string): string {
  for (const { record: r } of events) {
    if (r.kind === 'ledger' && r.fault === id) return `fault ${id} (${[r.name, ...r.targets].join(' ')})`;
    if (r.kind === 'action' && r.id === id) return `action ${id} (${[r.action, ...r.targets].join(' ')})`;
  }
  return `${id} (no ledger or action record at all)`;
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
