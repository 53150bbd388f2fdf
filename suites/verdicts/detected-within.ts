import { z } from 'zod';
import type { WatchFields } from '../../chaos/watchers/events.js';
import { reachedTarget, sinceInjection, stepInjection } from './step-facts.js';
import type { Checker } from './verdict.js';
import { durationText, msOf, verdictOf, withinTarget } from './verdict-of.js';
import { observations, stateAt, watchCoverage } from './watch-history.js';

export const detectedWithinParams = z.strictObject({
  host: z.string().min(1),
  targetMs: z.number().positive(),
});
export type DetectedWithinParams = z.infer<typeof detectedWithinParams>;

type NodeState = WatchFields<'pacemaker/node'> | WatchFields<'xapi/node'>;

/** What is wrong with a node, or undefined while it is online and clean (Pacemaker) or live (XAPI). */
export function nodeTrouble(f: NodeState): string | undefined {
  if ('live' in f) return f.live ? undefined : 'not live';
  const trouble = [!f.online ? 'offline' : undefined, f.unclean ? 'unclean' : undefined].filter(Boolean);
  return trouble.length ? trouble.join(', ') : undefined;
}

/** From the step's injection to the HA manager seeing the node offline, unclean (Pacemaker) or not live (XAPI). */
export const detectedWithin: Checker<DetectedWithinParams> = (events, window, p) => {
  const name = 'detectedWithin';
  const t = { targetMs: p.targetMs };
  const found = stepInjection(events, window, name, p.host, p.targetMs);
  if ('verdict' in found) return found.verdict;
  const inj = found.injection;
  const nodes = observations(events, ['pacemaker/node', 'xapi/node'], `node:${p.host}`);
  const prior = stateAt(nodes, inj.startNs);
  if (!prior) {
    return verdictOf(
      name,
      p.host,
      'inconclusive',
      `no watcher saw ${p.host}'s state before the fault`,
      inj.lines,
      t,
    );
  }
  const already = nodeTrouble(prior.fields);
  if (already) {
    return verdictOf(
      name,
      p.host,
      'inconclusive',
      `${p.host} was already ${already} before the fault (line ${prior.line}): nothing left to detect`,
      [...inj.lines, prior.line],
      t,
    );
  }
  const seen = nodes.find((o) => o.ns > inj.startNs && o.ns <= window.endNs && nodeTrouble(o.fields));
  if (seen) {
    const measuredMs = Math.max(0, msOf(seen.ns - inj.ns));
    const status = withinTarget(measuredMs, p.targetMs);
    const what = `${seen.watcher} saw ${p.host} ${nodeTrouble(seen.fields)} ${sinceInjection(seen.ns, inj)}`;
    const lines = [...inj.lines, prior.line, seen.line];
    const m = { measuredMs, targetMs: p.targetMs };
    if (status === 'fail') {
      // A change during a watcher gap is written when the watcher reads again: late, not necessarily slow.
      const cov = watchCoverage(events, [seen.watcher], inj.ns, seen.ns);
      if (!cov.covered)
        return verdictOf(
          name,
          p.host,
          'inconclusive',
          `${what}, over the target, but ${cov.why} before that, so the cluster may have known earlier`,
          [...lines, ...cov.gaps.map((g) => g.line)],
          m,
        );
    }
    return verdictOf(
      name,
      p.host,
      status,
      `${what}: ${status === 'pass' ? 'within' : 'over'} the ${durationText(p.targetMs)} target`,
      lines,
      m,
    );
  }
  const cov = watchCoverage(events, [...new Set(nodes.map((o) => o.watcher))], inj.ns, window.endNs);
  const lines = [...inj.lines, prior.line, ...cov.lines, ...cov.gaps.map((g) => g.line)];
  if (!cov.covered) {
    return verdictOf(name, p.host, 'inconclusive', `${p.host} never seen lost, but ${cov.why}`, lines, t);
  }
  if (!reachedTarget(inj.ns, window.endNs, p.targetMs)) {
    return verdictOf(
      name,
      p.host,
      'inconclusive',
      `the step ended ${sinceInjection(window.endNs, inj)}, before the ${durationText(p.targetMs)} target, with ${p.host} still online`,
      lines,
      t,
    );
  }
  return verdictOf(
    name,
    p.host,
    'fail',
    `the HA manager never saw ${p.host} offline or unclean during the step`,
    lines,
    t,
  );
};
