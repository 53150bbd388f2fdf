import type { ExpectationRegistry } from '../format/registries.js';
import type { PlannedExpectation } from './judge.js';

/** After the longest target, how long an undecided expectation is still watched (a verdict at its edge). */
export const DECISION_GRACE_MS = 15_000;

export interface WatchPlan {
  /** Measured from the injection: the fault is held until each is decided (at least the hold). */
  whileHeld: PlannedExpectation[];
  /** How long the fault is held at most: the hold, or the longest target of whileHeld and the grace. */
  watchMs: number;
  /** Measured from the verified revert: waited for once the steady state holds again. */
  afterRevert: PlannedExpectation[];
  /** How long after the revert the step waits for them at most (0 for none). */
  afterRevertMs: number;
}

/**
 * What a step waits for, from when each expectation is decided (Decides in
 * suites/verdicts). An expectation over the whole step (noDoubleRun,
 * notFenced, maxServiceDowntime...) holds nothing: a pass is known only at the
 * step's end, so the hold is how long the fault is endured for it. Without a
 * webhook receiver the alert expectations (needsAlertReceiver) can only be
 * inconclusive, so they hold nothing either.
 */
export function planWatch(
  expectations: readonly PlannedExpectation[],
  holdMs: number,
  registry: ExpectationRegistry,
  alertReceiver: boolean,
): WatchPlan {
  const spec = (e: PlannedExpectation) => registry.byName(e.name);
  const heard = expectations.filter((e) => alertReceiver || !spec(e)?.needsAlertReceiver);
  const decides = (e: PlannedExpectation) => spec(e)?.decides;
  const whileHeld = heard.filter((e) => decides(e) === 'target');
  const afterRevert = heard.filter((e) => decides(e) === 'revert');
  return {
    whileHeld,
    watchMs: Math.max(holdMs, decisionMs(whileHeld)),
    afterRevert,
    afterRevertMs: decisionMs(afterRevert),
  };
}

function decisionMs(expectations: readonly PlannedExpectation[]): number {
  const targets = expectations.map((e) => (typeof e.params.targetMs === 'number' ? e.params.targetMs : 0));
  const longest = Math.max(0, ...targets);
  return longest > 0 ? longest + DECISION_GRACE_MS : 0;
}
