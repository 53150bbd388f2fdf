import { z } from 'zod';
import { bootIdChangesOf, outagesOf } from '../../chaos/probes/measure.js';
import { lastAnswerBefore, lastSendOf, probeHistory, sampleSentAt, samplesFrom } from './probe-history.js';
import { sinceInjection, stepInjection } from './step-facts.js';
import type { Checker } from './verdict.js';
import { durationText, msOf, verdictOf, withinTarget } from './verdict-of.js';

export const maxServiceDowntimeParams = z.strictObject({
  vm: z.string().min(1),
  targetMs: z.number().positive(),
});
export type MaxServiceDowntimeParams = z.infer<typeof maxServiceDowntimeParams>;

/**
 * A live migration's longest outage as the VM's probe saw it (measure.ts:
 * from the first failed send to the next answered one), over the whole
 * step, the boot id unchanged: a new boot id means the VM restarted, which
 * no downtime target excuses.
 */
export const maxServiceDowntime: Checker<MaxServiceDowntimeParams> = (events, window, p) => {
  const name = 'maxServiceDowntime';
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
      `${p.vm}'s probe never answered with a boot id before the step's fault, so neither an outage nor a restart can be measured`,
      inj.lines,
      t,
    );
  }
  const samples = samplesFrom(history, BigInt(before.sentNs));
  const lineAt = (ns: bigint) => {
    const s = sampleSentAt(history, ns);
    return s ? history.lineOf(s) : undefined;
  };
  const lines: (number | undefined)[] = [...inj.lines, history.lineOf(before)];
  const outages = outagesOf(samples);
  const longest = outages.reduce<(typeof outages)[number] | undefined>(
    (a, o) => (a === undefined || o.durationNs > a.durationNs ? o : a),
    undefined,
  );
  const measuredMs = longest ? msOf(longest.durationNs) : 0;
  const m = { measuredMs, targetMs: p.targetMs };
  if (longest)
    lines.push(lineAt(longest.startNs)!, longest.endNs === undefined ? undefined : lineAt(longest.endNs));
  const restart = bootIdChangesOf(samples)[0];
  if (restart) {
    return verdictOf(
      name,
      p.vm,
      'fail',
      `${p.vm}'s boot id changed from ${restart.from} to ${restart.to} ${sinceInjection(restart.atNs, inj)}: it restarted, it was not live-migrated`,
      [...lines, lineAt(restart.atNs)],
      m,
    );
  }
  const last = lastSendOf(history);
  if (last === undefined || last < inj.ns) {
    return verdictOf(
      name,
      p.vm,
      'inconclusive',
      `${p.vm}'s probe stopped before the step's fault or action was complete`,
      lines,
      t,
    );
  }
  if (longest && longest.endNs === undefined) {
    return verdictOf(
      name,
      p.vm,
      'fail',
      `${p.vm} was down from ${sinceInjection(longest.startNs, inj)} to the end of the step (${durationText(measuredMs)}, ${longest.failed} failed requests: ${longest.error})`,
      lines,
      m,
    );
  }
  const status = withinTarget(measuredMs, p.targetMs);
  const seen = longest
    ? `longest outage ${durationText(measuredMs)} (${longest.failed} failed requests: ${longest.error}), ${outages.length} outage(s)`
    : `no failed request in ${samples.reduce((n, s) => n + (s.count ?? 1), 0)}`;
  return verdictOf(
    name,
    p.vm,
    status,
    `${p.vm}: ${seen}, boot id ${before.fields!.bootId} throughout: ${status === 'pass' ? 'within' : 'over'} the ${durationText(p.targetMs)} target`,
    [...lines, history.lineOf(samples.at(-1)!)],
    m,
  );
};
