import { z } from 'zod';
import { sinceInjection, stepInjection } from './step-facts.js';
import type { Checker } from './verdict.js';
import { verdictOf } from './verdict-of.js';
import { between, observations, watchCoverage } from './watch-history.js';

export const notFencedParams = z.strictObject({ host: z.string().min(1) });
export type NotFencedParams = z.infer<typeof notFencedParams>;

/**
 * The cluster did not fence the host during the step (pacemakerd killed must
 * not fence): no entry of any status in its fence history after the fault
 * began, a failed or pending attempt included (the cluster decided to
 * fence). A pass needs the Pacemaker watcher to have read the cluster
 * throughout the step.
 */
export const notFenced: Checker<NotFencedParams> = (events, window, p) => {
  const name = 'notFenced';
  const found = stepInjection(events, window, name, p.host);
  if ('verdict' in found) return found.verdict;
  const inj = found.injection;
  const fence = between(
    observations(events, 'pacemaker/fence', `fence:${p.host}`),
    inj.startNs,
    window.endNs,
  )[0];
  if (fence) {
    return verdictOf(
      name,
      p.host,
      'fail',
      `${p.host} was fenced (${fence.fields.action}, ${fence.fields.status}) ${sinceInjection(fence.ns, inj)}`,
      [...inj.lines, fence.line],
    );
  }
  const cov = watchCoverage(events, ['pacemaker'], inj.startNs, window.endNs);
  const lines = [...inj.lines, ...cov.lines, ...cov.gaps.map((g) => g.line)];
  if (!cov.covered) {
    return verdictOf(name, p.host, 'inconclusive', `no fence of ${p.host} seen, but ${cov.why}`, lines);
  }
  const nodeLines = between(
    observations(events, 'pacemaker/node', `node:${p.host}`),
    inj.startNs,
    window.endNs,
  ).map((o) => o.line);
  return verdictOf(
    name,
    p.host,
    'pass',
    `no fence of ${p.host} in the fence history from the fault to the end of the step, the Pacemaker watcher reading the cluster throughout`,
    [...lines, ...nodeLines],
  );
};
