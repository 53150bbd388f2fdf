import { z } from 'zod';
import { reachedTarget, sinceInjection, stepInjection } from './step-facts.js';
import type { Checker } from './verdict.js';
import { durationText, msOf, verdictOf, withinTarget } from './verdict-of.js';
import { observations, watchCoverage } from './watch-history.js';

export const fencedWithinParams = z.strictObject({
  host: z.string().min(1),
  targetMs: z.number().positive(),
});
export type FencedWithinParams = z.infer<typeof fencedWithinParams>;

/**
 * From the step's injection to a successful fence of the host in
 * Pacemaker's fence history (`pacemaker/fence`, subject fence:<host>). XAPI
 * pools fence themselves (a host that loses its heartbeat and statefile
 * reboots) and keep no fence history, so there is no XAPI equivalent: on a
 * pool this is inconclusive, and detectedWithin is the expectation to use.
 */
export const fencedWithin: Checker<FencedWithinParams> = (events, window, p) => {
  const name = 'fencedWithin';
  const t = { targetMs: p.targetMs };
  const found = stepInjection(events, window, name, p.host, p.targetMs);
  if ('verdict' in found) return found.verdict;
  const inj = found.injection;
  const fences = observations(events, 'pacemaker/fence', `fence:${p.host}`).filter(
    (o) => o.ns > inj.startNs && o.ns <= window.endNs,
  );
  const success = fences.find((o) => o.fields.status === 'success');
  const failures = fences.filter((o) => o.fields.status === 'failed' && (!success || o.ns < success.ns));
  const tried = failures.length
    ? `, after ${failures.length} failed attempt(s)${failures[0]!.fields.exitReason ? ` (${failures[0]!.fields.exitReason})` : ''}`
    : '';
  if (success) {
    const measuredMs = Math.max(0, msOf(success.ns - inj.ns));
    const by = success.fields.delegate ? ` by ${success.fields.delegate}` : '';
    const seen = `${p.host} fenced (${success.fields.action}${by}) ${sinceInjection(success.ns, inj)}${tried}`;
    const lines = [...inj.lines, ...failures.map((o) => o.line), success.line];
    const m = { measuredMs, targetMs: p.targetMs };
    const status = withinTarget(measuredMs, p.targetMs);
    if (status === 'fail') {
      // Seen late may be seen late only: a fence during a watcher gap is written when the watcher reads again.
      const cov = watchCoverage(events, ['pacemaker'], inj.ns, success.ns);
      if (!cov.covered)
        return verdictOf(
          name,
          p.host,
          'inconclusive',
          `${seen}, over the target, but ${cov.why} before that, so it may have come earlier`,
          [...lines, ...cov.gaps.map((g) => g.line)],
          m,
        );
    }
    return verdictOf(
      name,
      p.host,
      status,
      `${seen}: ${status === 'pass' ? 'within' : 'over'} the ${durationText(p.targetMs)} target`,
      lines,
      m,
    );
  }
  const cov = watchCoverage(events, ['pacemaker'], inj.ns, window.endNs);
  const lines = [...inj.lines, ...failures.map((o) => o.line), ...cov.lines, ...cov.gaps.map((g) => g.line)];
  if (!cov.covered) {
    return verdictOf(
      name,
      p.host,
      'inconclusive',
      `no successful fence of ${p.host} seen, but ${cov.why}`,
      lines,
      t,
    );
  }
  if (!reachedTarget(inj.ns, window.endNs, p.targetMs)) {
    return verdictOf(
      name,
      p.host,
      'inconclusive',
      `the step ended ${sinceInjection(window.endNs, inj)}, before the ${durationText(p.targetMs)} target, without a fence of ${p.host}`,
      lines,
      t,
    );
  }
  return verdictOf(
    name,
    p.host,
    'fail',
    `${p.host} was not fenced within the step (${durationText(msOf(window.endNs - inj.ns))} after the injection)${tried}`,
    lines,
    t,
  );
};
