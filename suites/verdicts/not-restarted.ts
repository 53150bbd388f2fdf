import { z } from 'zod';
import { bootIdChangesOf } from '../../chaos/probes/measure.js';
import {
  lastAnswerBefore,
  probeHistory,
  sampleSentAt,
  samplesFrom,
  samplesReaching,
  sendSpan,
} from './probe-history.js';
import { sinceInjection, stepInjection } from './step-facts.js';
import type { Checker } from './verdict.js';
import { verdictOf } from './verdict-of.js';

export const notRestartedParams = z.strictObject({ vm: z.string().min(1) });
export type NotRestartedParams = z.infer<typeof notRestartedParams>;

/**
 * The VM kept its boot id through the step: it answered before the fault,
 * after the injection, and at the end of the step, always with the same
 * boot id. Down at the end is inconclusive: a restart may be under way.
 */
export const notRestarted: Checker<NotRestartedParams> = (events, window, p) => {
  const name = 'notRestarted';
  const found = stepInjection(events, window, name, p.vm);
  if ('verdict' in found) return found.verdict;
  const inj = found.injection;
  const history = probeHistory(events, p.vm, { toNs: window.endNs });
  const before = lastAnswerBefore(history, inj.startNs, 'bootId');
  if (!before) {
    return verdictOf(
      name,
      p.vm,
      'inconclusive',
      `${p.vm}'s probe never answered with a boot id before the fault`,
      inj.lines,
    );
  }
  const oldId = before.fields!.bootId!;
  const since = samplesFrom(history, BigInt(before.sentNs));
  const lines = [...inj.lines, history.lineOf(before)];
  const change = bootIdChangesOf(since)[0];
  if (change) {
    const at = sampleSentAt(history, change.atNs);
    return verdictOf(
      name,
      p.vm,
      'fail',
      `${p.vm} restarted: boot id ${change.from} -> ${change.to} ${sinceInjection(change.atNs, inj)}`,
      [...lines, at ? history.lineOf(at) : undefined],
    );
  }
  const after = samplesReaching(history, inj.ns);
  const last = after.at(-1);
  if (!last) {
    return verdictOf(name, p.vm, 'inconclusive', `no probe sample of ${p.vm} after the injection`, lines);
  }
  if (!last.ok) {
    return verdictOf(
      name,
      p.vm,
      'inconclusive',
      `${p.vm} was not answering at the end of the step (${last.error ?? 'failed'}): whether it restarts cannot be told yet`,
      [...lines, history.lineOf(last)],
    );
  }
  return verdictOf(
    name,
    p.vm,
    'pass',
    `${p.vm} answered with boot id ${oldId} before the fault and to the end of the step (last answer to a request sent ${sinceInjection(sendSpan(last).lastNs, inj)})`,
    [...lines, history.lineOf(last)],
  );
};
