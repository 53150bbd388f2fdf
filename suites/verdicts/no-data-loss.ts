import { z } from 'zod';
import { counterDecreasesOf } from '../../chaos/probes/measure.js';
import { lastAnswerBefore, probeHistory, sampleSentAt, samplesReaching } from './probe-history.js';
import { sinceInjection, stepInjection } from './step-facts.js';
import type { Checker } from './verdict.js';
import { verdictOf } from './verdict-of.js';

export const noDataLossParams = z.strictObject({ vm: z.string().min(1) });
export type NoDataLossParams = z.infer<typeof noDataLossParams>;

/**
 * The VM's disk counter (probe field `counter`) never went backwards in the
 * step (measure.ts, judged causally), over the whole history up to the step's
 * end, so the highest value written before the fault counts. Needs a counter
 * read before the fault and one after the injection.
 */
export const noDataLoss: Checker<NoDataLossParams> = (events, window, p) => {
  const name = 'noDataLoss';
  const found = stepInjection(events, window, name, p.vm);
  if ('verdict' in found) return found.verdict;
  const inj = found.injection;
  const history = probeHistory(events, p.vm, { toNs: window.endNs });
  const before = lastAnswerBefore(history, inj.startNs, 'counter');
  if (!before) {
    return verdictOf(
      name,
      p.vm,
      'inconclusive',
      `${p.vm}'s probe never read a disk counter before the fault`,
      inj.lines,
    );
  }
  const after = samplesReaching(history, inj.ns).filter((s) => s.ok && s.fields?.counter !== undefined);
  const lines = [...inj.lines, history.lineOf(before)];
  const loss = counterDecreasesOf(history.samples).find((d) => d.atNs >= window.startNs);
  if (loss) {
    const at = sampleSentAt(history, loss.atNs);
    return verdictOf(
      name,
      p.vm,
      'fail',
      `${p.vm}'s disk counter went back from ${loss.from} to ${loss.to} ${sinceInjection(loss.atNs, inj)}: writes were lost`,
      [...lines, at ? history.lineOf(at) : undefined],
    );
  }
  if (after.length === 0) {
    return verdictOf(
      name,
      p.vm,
      'inconclusive',
      `${p.vm}'s probe read no disk counter after the injection`,
      lines,
    );
  }
  const last = after.at(-1)!;
  return verdictOf(
    name,
    p.vm,
    'pass',
    `${p.vm}'s disk counter never went backwards: ${before.fields!.counter} before the fault, ${last.fields!.counter} at the last of ${after.length} read(s) after the injection`,
    [...lines, history.lineOf(last)],
  );
};
