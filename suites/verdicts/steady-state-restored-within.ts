import { z } from 'zod';
import { reachedTarget, stepMarkLine } from './step-facts.js';
import type { Checker } from './verdict.js';
import { durationText, msOf, verdictOf, withinTarget } from './verdict-of.js';
import { revertRecords } from './windows.js';

export const steadyStateRestoredWithinParams = z.strictObject({ targetMs: z.number().positive() });
export type SteadyStateRestoredWithinParams = z.infer<typeof steadyStateRestoredWithinParams>;

const SUBJECT = 'steady state';

/** From the step's verified revert (ledger `reverted`) to the runner's `steady` mark for the step. */
export const steadyStateRestoredWithin: Checker<SteadyStateRestoredWithinParams> = (events, window, p) => {
  const name = 'steadyStateRestoredWithin';
  const t = { targetMs: p.targetMs };
  const { reverted, inLedger } = revertRecords(events, window.faults);
  const revertLines = [...reverted.values()].map((e) => e.line);
  if (window.revertedNs === undefined) {
    const reason =
      inLedger.size === 0
        ? `step ${window.step} has no fault in the ledger, so no revert to measure from`
        : `step ${window.step}: the revert of ${[...inLedger].filter((f) => !reverted.has(f)).join(', ')} was never verified`;
    return verdictOf(
      name,
      SUBJECT,
      'inconclusive',
      reason,
      [stepMarkLine(events, window, 'start'), ...revertLines],
      t,
    );
  }
  const steadyLine = stepMarkLine(events, window, 'steady');
  if (window.steadyNs !== undefined) {
    const measuredMs = Math.max(0, msOf(window.steadyNs - window.revertedNs));
    const status = withinTarget(measuredMs, p.targetMs);
    return verdictOf(
      name,
      SUBJECT,
      status,
      `the steady state held again ${durationText(measuredMs)} after the revert: ${status === 'pass' ? 'within' : 'over'} the ${durationText(p.targetMs)} target`,
      [...revertLines, steadyLine],
      { measuredMs, targetMs: p.targetMs },
    );
  }
  const status = reachedTarget(window.revertedNs, window.endNs, p.targetMs) ? 'fail' : 'inconclusive';
  return verdictOf(
    name,
    SUBJECT,
    status,
    `the steady state did not hold again by the end of the step, ${durationText(msOf(window.endNs - window.revertedNs))} after the revert`,
    [...revertLines, stepMarkLine(events, window, 'end')],
    t,
  );
};
