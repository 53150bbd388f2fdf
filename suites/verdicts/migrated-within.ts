import { z } from 'zod';
import { reachedTarget } from './step-facts.js';
import type { Checker, TimelineEvent } from './verdict.js';
import { durationText, msOf, verdictOf, withinTarget } from './verdict-of.js';
import { observations, PLACEMENT_EVENTS, stateAt, watchCoverage } from './watch-history.js';

export const migratedWithinParams = z.strictObject({
  vm: z.string().min(1),
  targetMs: z.number().positive(),
  /** The destination host; default the action's `detail.to`, else any host but the one before. */
  to: z.string().min(1).optional(),
});
export type MigratedWithinParams = z.infer<typeof migratedWithinParams>;

type ActionEvent = TimelineEvent & { record: { kind: 'action' } };

/**
 * A planned migration's total time, from its action `start` to `done`, and
 * the VM placed on the destination afterwards where placement records
 * exist. A failed action is a fail: the migration was seen not to happen.
 */
export const migratedWithin: Checker<MigratedWithinParams> = (events, window, p) => {
  const name = 'migratedWithin';
  const t = { targetMs: p.targetMs };
  const actions = events.filter(
    (e): e is ActionEvent => e.record.kind === 'action' && window.faults.includes(e.record.id),
  );
  const mine = actions.filter((e) => e.record.targets.includes(p.vm) || e.record.detail?.vm === p.vm);
  const id = (mine[0] ?? actions[0])?.record.id;
  const of = (phase: 'start' | 'done' | 'failed') =>
    actions.find((e) => e.record.id === id && e.record.phase === phase);
  const start = of('start');
  if (id === undefined || !start) {
    return verdictOf(name, p.vm, 'inconclusive', `step ${window.step} started no action to time`, [], t);
  }
  const startNs = BigInt(start.record.ns);
  const done = of('done');
  const failed = of('failed');
  if (!done) {
    if (failed) {
      const why = failed.record.detail?.error ?? failed.record.detail?.reason;
      return verdictOf(
        name,
        p.vm,
        'fail',
        `${start.record.action} ${id} failed after ${durationText(msOf(BigInt(failed.record.ns) - startNs))}${typeof why === 'string' ? `: ${why}` : ''}`,
        [start.line, failed.line],
        t,
      );
    }
    const status = reachedTarget(startNs, window.endNs, p.targetMs) ? 'fail' : 'inconclusive';
    return verdictOf(
      name,
      p.vm,
      status,
      `${start.record.action} ${id} was not done by the end of the step, ${durationText(msOf(window.endNs - startNs))} after it started`,
      [start.line],
      t,
    );
  }
  const measuredMs = msOf(BigInt(done.record.ns) - startNs);
  const m = { measuredMs, targetMs: p.targetMs };
  const lines: (number | undefined)[] = [start.line, done.line];
  const timed = `${start.record.action} ${id} took ${durationText(measuredMs)}`;
  const detailTo = done.record.detail?.to ?? start.record.detail?.to;
  const dest = p.to ?? (typeof detailTo === 'string' ? detailTo : undefined);
  const placements = observations(events, PLACEMENT_EVENTS, `vm:${p.vm}`);
  let where = ' (no placement records to check where it went)';
  if (placements.length > 0) {
    const prior = stateAt(placements, startNs);
    const until = window.revertedNs ?? window.endNs;
    const after = stateAt(placements, until);
    const hosts = after?.fields.hosts ?? [];
    lines.push(prior?.line, after?.line);
    if (!after || after.ns <= startNs) {
      const cov = watchCoverage(events, [...new Set(placements.map((o) => o.watcher))], startNs, until);
      if (!after || !cov.covered) {
        return verdictOf(
          name,
          p.vm,
          'inconclusive',
          `${timed}, but no placement record after it says where ${p.vm} runs${cov.why ? ` (${cov.why})` : ''}`,
          [...lines, ...cov.lines, ...cov.gaps.map((g) => g.line)],
          m,
        );
      }
      return verdictOf(
        name,
        p.vm,
        'fail',
        `${timed}, but ${p.vm}'s placement never changed: still on ${hosts.join(', ') || 'no host'}`,
        lines,
        m,
      );
    }
    const arrived = dest
      ? hosts.length === 1 && hosts[0] === dest
      : hosts.length === 1 && !(prior?.fields.hosts ?? []).includes(hosts[0]!);
    if (!arrived) {
      const wanted = dest ? `the destination ${dest}` : `a host other than ${prior?.fields.hosts.join(', ')}`;
      return verdictOf(
        name,
        p.vm,
        'fail',
        `${timed}, but ${p.vm} is on ${hosts.join(', ') || 'no host'}, not ${wanted} (line ${after.line})`,
        lines,
        m,
      );
    }
    where = ` and ${p.vm} runs on ${hosts[0]}`;
  }
  const status = withinTarget(measuredMs, p.targetMs);
  return verdictOf(
    name,
    p.vm,
    status,
    `${timed}${where}: ${status === 'pass' ? 'within' : 'over'} the ${durationText(p.targetMs)} target`,
    lines,
    m,
  );
};
