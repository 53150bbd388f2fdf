import { z } from 'zod';
import { reachedTarget, stepMarkLine, stepRevert } from './step-facts.js';
import type { Checker } from './verdict.js';
import { durationText, msOf, verdictOf, withinTarget } from './verdict-of.js';

export const steadyStateRestoredWithinParams = z.strictObject({ targetMs: z.number().positive() });
export type SteadyStateRestoredWithinParams = z.infer<typeof steadyStateRestoredWithinParams>;

const SUBJECT = 'steady state';

/** From the step's verified revert (ledger `reverted`) to the runner's `steady` mark for the step. */
export const steadyStateRestoredWithin: Checker<SteadyStateRestoredWithinParams> = (events, window, p) => {
  const name = 'steadyStateRestoredWithin';
  const t = { targetMs: p.targetMs };
  const found = stepRevert(events, window, name, SUBJECT, p.targetMs);
  if ('verdict' in found) return found.verdict;
  const revertLines = found.revert.lines;
  const revertedNs = found.revert.ns;
  const steadyLine = stepMarkLine(events, window, 'steady');
  if (window.steadyNs !== undefined) {
    const measuredMs = Math.max(0, msOf(window.steadyNs - revertedNs));
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
  const status = reachedTarget(revertedNs, window.endNs, p.targetMs) ? 'fail' : 'inconclusive';
  return verdictOf(
    name,
    SUBJECT,
    status,
    `the steady state did not hold again by the end of the step, ${durationText(msOf(window.endNs - revertedNs))} after the revert`,
    [...revertLines, stepMarkLine(events, window, 'end')],
    t,
  );
};
