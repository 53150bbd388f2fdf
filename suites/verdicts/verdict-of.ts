import type { Verdict, VerdictStatus } from './verdict.js';

/** Nanoseconds (bigint) as milliseconds, to the microsecond: what verdicts report. */
export function msOf(ns: bigint): number {
  return Math.round(Number(ns) / 1e3) / 1e3;
}

/** A duration for a reason sentence: "412.5 ms", "63.210 s". */
export function durationText(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(3)} s` : `${ms.toFixed(1)} ms`;
}

export interface VerdictFacts {
  measuredMs?: number | undefined;
  targetMs?: number | undefined;
}

/**
 * One verdict, its evidence sorted and deduplicated. A pass must cite the
 * lines it rests on: a checker that passes on nothing is a bug, so it throws.
 */
export function verdictOf(
  expectation: string,
  subject: string,
  status: VerdictStatus,
  reason: string,
  evidence: readonly (number | undefined)[],
  facts: VerdictFacts = {},
): Verdict {
  const lines = [...new Set(evidence.filter((l): l is number => l !== undefined))].sort((a, b) => a - b);
  if (status === 'pass' && lines.length === 0) {
    throw new Error(`${expectation} ${subject}: a pass without evidence (${reason})`);
  }
  return {
    expectation,
    subject,
    status,
    ...(facts.measuredMs === undefined ? {} : { measuredMs: facts.measuredMs }),
    ...(facts.targetMs === undefined ? {} : { targetMs: facts.targetMs }),
    reason,
    evidence: lines,
  };
}

/** "within 90.0 s" against a measured value: pass when at or under the target. */
export function withinTarget(measuredMs: number, targetMs: number): VerdictStatus {
  return measuredMs <= targetMs ? 'pass' : 'fail';
}
