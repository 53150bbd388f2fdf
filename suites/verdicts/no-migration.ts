import { z } from 'zod';
import { sinceInjection, stepInjection } from './step-facts.js';
import type { Checker } from './verdict.js';
import { verdictOf } from './verdict-of.js';
import { between, observations, PLACEMENT_EVENTS, stateAt, watchCoverage } from './watch-history.js';

export const noMigrationParams = z.strictObject({ vm: z.string().min(1) });
export type NoMigrationParams = z.infer<typeof noMigrationParams>;

const sameHosts = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((h) => b.includes(h));

/**
 * The VM's placement did not change from before the fault to the end of the
 * step: every placement record in between names the same hosts (stopped
 * counts as a change). Watchers write on change, so a pass needs them to
 * have read the cluster throughout.
 */
export const noMigration: Checker<NoMigrationParams> = (events, window, p) => {
  const name = 'noMigration';
  const found = stepInjection(events, window, name, p.vm);
  if ('verdict' in found) return found.verdict;
  const inj = found.injection;
  const placements = observations(events, PLACEMENT_EVENTS, `vm:${p.vm}`);
  const prior = stateAt(placements, inj.startNs);
  if (!prior) {
    return verdictOf(
      name,
      p.vm,
      'inconclusive',
      `no placement record of ${p.vm} before the fault`,
      inj.lines,
    );
  }
  const was = prior.fields.hosts;
  const moved = between(placements, inj.startNs, window.endNs).find((o) => !sameHosts(o.fields.hosts, was));
  if (moved) {
    const now = moved.fields.hosts.length ? `on ${moved.fields.hosts.join(', ')}` : 'stopped';
    return verdictOf(
      name,
      p.vm,
      'fail',
      `${p.vm} was on ${was.join(', ') || 'no host'} before the fault and ${now} ${sinceInjection(moved.ns, inj)} (${moved.watcher})`,
      [...inj.lines, prior.line, moved.line],
    );
  }
  const cov = watchCoverage(
    events,
    [...new Set(placements.map((o) => o.watcher))],
    inj.startNs,
    window.endNs,
  );
  const lines = [...inj.lines, prior.line, ...cov.lines, ...cov.gaps.map((g) => g.line)];
  if (!cov.covered) {
    return verdictOf(
      name,
      p.vm,
      'inconclusive',
      `no placement change of ${p.vm} seen, but ${cov.why}`,
      lines,
    );
  }
  return verdictOf(
    name,
    p.vm,
    'pass',
    `${p.vm} stayed on ${was.join(', ') || 'no host'} from before the fault to the end of the step`,
    lines,
  );
};
