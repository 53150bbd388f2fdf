import { z } from 'zod';
import { bootIdChangesOf } from '../../chaos/probes/measure.js';
import { lastAnswerBefore, lastSendOf, probeHistory, sampleSentAt, samplesFrom } from './probe-history.js';
import { reachedTarget, sinceInjection, stepInjection } from './step-facts.js';
import type { Checker } from './verdict.js';
import { durationText, msOf, verdictOf, withinTarget } from './verdict-of.js';
import { observations, PLACEMENT_EVENTS, stateAt, watchCoverage } from './watch-history.js';

export const restartedWithinParams = z.strictObject({
  vm: z.string().min(1),
  targetMs: z.number().positive(),
  /** Judge that it came back on another host (default); false for a restart in place (its QEMU killed). */
  onAnotherHost: z.boolean().optional(),
});
export type RestartedWithinParams = z.infer<typeof restartedWithinParams>;

/**
 * From the step's injection to the first request answered by a new boot id
 * (its send time, as measure.ts dates a boot id change), and, where the
 * timeline has placement records, on a host the VM did not run on before.
 */
export const restartedWithin: Checker<RestartedWithinParams> = (events, window, p) => {
  const name = 'restartedWithin';
  const t = { targetMs: p.targetMs };
  const found = stepInjection(events, window, name, p.vm, p.targetMs);
  if ('verdict' in found) return found.verdict;
  const inj = found.injection;
  const history = probeHistory(events, p.vm, { toNs: window.endNs });
  const before = lastAnswerBefore(history, inj.startNs, 'bootId');
  if (!before) {
    return verdictOf(
      name,
      p.vm,
      'inconclusive',
      `${p.vm}'s probe never answered with a boot id before the fault, so a restart cannot be told apart`,
      inj.lines,
      t,
    );
  }
  const oldId = before.fields!.bootId!;
  const since = samplesFrom(history, BigInt(before.sentNs));
  const change = bootIdChangesOf(since).find((c) => c.from === oldId && c.atNs > inj.startNs);
  const baseLines = [...inj.lines, history.lineOf(before)];
  if (!change) {
    const last = lastSendOf(history);
    const reach = last === undefined || last < window.endNs ? last : window.endNs;
    if (reach === undefined || reach <= inj.ns) {
      return verdictOf(
        name,
        p.vm,
        'inconclusive',
        `no probe sample of ${p.vm} after the injection`,
        baseLines,
        t,
      );
    }
    const lastSample = history.samples.at(-1)!;
    if (!reachedTarget(inj.ns, reach, p.targetMs)) {
      return verdictOf(
        name,
        p.vm,
        'inconclusive',
        `${p.vm}'s probe stopped ${sinceInjection(reach, inj)}, before the ${durationText(p.targetMs)} target, without a new boot id`,
        [...baseLines, history.lineOf(lastSample)],
        t,
      );
    }
    // How long the probe had been failing at the end: one timed-out request is not a VM down (the first
    // nightly's reason read "not answering" for the last request of a step, and was taken for an outage).
    let failingFrom = history.samples.length - 1;
    while (failingFrom > 0 && !history.samples[failingFrom - 1]!.ok) failingFrom--;
    const firstFailed = history.samples[failingFrom]!;
    const requests = history.samples.slice(failingFrom).reduce((n, s) => n + (s.count ?? 1), 0);
    const state = lastSample.ok
      ? `still answering with boot id ${oldId}`
      : `not answering (${lastSample.error ?? 'failed'}): ${requests === 1 ? 'its last request failed, sent' : `${requests} failed requests from`} ${sinceInjection(BigInt(firstFailed.sentNs), inj)}, the probe reaching`;
    return verdictOf(
      name,
      p.vm,
      'fail',
      `${p.vm} did not come back with a new boot id within the step: ${state} ${sinceInjection(reach, inj)}`,
      [...baseLines, history.lineOf(firstFailed), history.lineOf(lastSample)],
      t,
    );
  }
  const measuredMs = Math.max(0, msOf(change.atNs - inj.ns));
  const m = { measuredMs, targetMs: p.targetMs };
  const lines = [...baseLines, history.lineOf(sampleSentAt(history, change.atNs)!)];
  const restarted = `${p.vm} answered with a new boot id ${change.to} ${sinceInjection(change.atNs, inj)}`;
  let where = '';
  if (p.onAnotherHost !== false) {
    const placements = observations(events, PLACEMENT_EVENTS, `vm:${p.vm}`);
    if (placements.length > 0) {
      const prior = stateAt(placements, inj.startNs);
      const until =
        window.revertedNs !== undefined && window.revertedNs >= change.atNs
          ? window.revertedNs
          : window.endNs;
      const after = placements
        .filter((o) => o.ns > inj.startNs && o.ns <= until && o.fields.hosts.length > 0)
        .at(-1);
      if (!prior || prior.fields.hosts.length === 0 || !after) {
        const cov = watchCoverage(events, [...new Set(placements.map((o) => o.watcher))], inj.startNs, until);
        const missing = !prior || prior.fields.hosts.length === 0 ? 'before the fault' : 'after the fault';
        return verdictOf(
          name,
          p.vm,
          'inconclusive',
          `${restarted}, but no placement record ${missing} says where it ran${cov.why ? ` (${cov.why})` : ''}`,
          [...lines, prior?.line, ...cov.lines, ...cov.gaps.map((g) => g.line)],
          m,
        );
      }
      lines.push(prior.line, after.line);
      const same = after.fields.hosts.filter((h) => prior.fields.hosts.includes(h));
      if (same.length > 0) {
        return verdictOf(
          name,
          p.vm,
          'fail',
          `${restarted}, on the same host ${same.join(', ')} (line ${after.line})`,
          lines,
          m,
        );
      }
      where = ` on ${after.fields.hosts.join(', ')} (was on ${prior.fields.hosts.join(', ')})`;
    }
  }
  const status = withinTarget(measuredMs, p.targetMs);
  const verdict = status === 'pass' ? 'within' : 'over';
  return verdictOf(
    name,
    p.vm,
    status,
    `${restarted}${where}: ${verdict} the ${durationText(p.targetMs)} target`,
    lines,
    m,
  );
};
