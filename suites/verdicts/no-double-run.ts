import { z } from 'zod';
import { bootIdOverlapsOf } from '../../chaos/probes/measure.js';
import { probeHistory, sampleSentAt, samplesReaching } from './probe-history.js';
import { stepInjection } from './step-facts.js';
import type { Checker, StepWindow, TimelineEvent } from './verdict.js';
import { verdictOf } from './verdict-of.js';
import { between, observations, PLACEMENT_EVENTS, stateAt, watchCoverage } from './watch-history.js';

export const noDoubleRunParams = z.strictObject({ vm: z.string().min(1) });
export type NoDoubleRunParams = z.infer<typeof noDoubleRunParams>;

/**
 * The VM never ran twice during the step: no placement record with two or
 * more hosts, and no older boot id answering a request sent after a newer
 * one had answered (measure.ts, judged causally). Two kinds of evidence
 * that see different things (the HA manager's view, the service's): a pass
 * needs at least one of them for the whole step, and says which it had.
 */
export const noDoubleRun: Checker<NoDoubleRunParams> = (events, window, p) => {
  const name = 'noDoubleRun';
  const found = stepInjection(events, window, name, p.vm);
  if ('verdict' in found) return found.verdict;
  const inj = found.injection;
  const placements = observations(events, PLACEMENT_EVENTS, `vm:${p.vm}`);
  const prior = stateAt(placements, window.startNs);
  const during = [...(prior ? [prior] : []), ...between(placements, window.startNs, window.endNs)];
  const migrating = liveMigrationsOf(events, window, p.vm);
  const inMigration = (ns: bigint) => migrating.some((m) => ns > m.startNs && ns < m.doneNs);
  // While a live migration runs, the HA manager lists both ends; only the source runs the guest until the switchover.
  const excused = during.filter((o) => o.fields.hosts.length >= 2 && inMigration(o.ns));
  const twice = during.find((o) => o.fields.hosts.length >= 2 && !inMigration(o.ns));
  if (twice) {
    return verdictOf(
      name,
      p.vm,
      'fail',
      `${twice.watcher} saw ${p.vm} active on ${twice.fields.hosts.join(' and ')} at once (line ${twice.line})`,
      [...inj.lines, twice.line],
    );
  }
  const history = probeHistory(events, p.vm, { fromNs: window.startNs, toNs: window.endNs });
  const overlap = bootIdOverlapsOf(history.samples)[0];
  if (overlap) {
    const line = sampleSentAt(history, overlap.olderAgainNs);
    return verdictOf(
      name,
      p.vm,
      'fail',
      `boot id ${overlap.older} answered a request sent after ${overlap.newer} had answered: ${p.vm} ran twice`,
      [...inj.lines, line ? history.lineOf(line) : undefined],
    );
  }
  const answers = samplesReaching(history, inj.ns).filter((s) => s.ok && s.fields?.bootId !== undefined);
  const cov = watchCoverage(
    events,
    [...new Set(placements.map((o) => o.watcher))],
    window.startNs,
    window.endNs,
  );
  const placementSeen = during.length > 0 && cov.covered;
  if (answers.length === 0 && !placementSeen) {
    const why =
      placements.length === 0
        ? 'no placement records'
        : cov.why || 'no placement record before or in the step';
    return verdictOf(
      name,
      p.vm,
      'inconclusive',
      `nothing watched ${p.vm} during the step: no probe answer with a boot id after the injection, and ${why}`,
      [...inj.lines, ...cov.lines, ...cov.gaps.map((g) => g.line)],
    );
  }
  const seen = [
    placementSeen ? `at most one host in ${during.length} placement record(s)` : undefined,
    answers.length
      ? `one boot id at a time in ${answers.length} probe answer(s) after the injection`
      : undefined,
  ].filter((x): x is string => x !== undefined);
  if (excused.length)
    seen.push(
      `${excused.length} record(s) of both ends during the live migration itself not counted (the boot ids judge that time)`,
    );
  const notSeen = placementSeen
    ? ''
    : ` (placement not judged: ${placements.length === 0 ? 'no placement records' : cov.why})`;
  return verdictOf(name, p.vm, 'pass', `${p.vm}: ${seen.join(', and ')}${notSeen}`, [
    ...inj.lines,
    ...(placementSeen ? during.map((o) => o.line) : []),
    answers.length ? history.lineOf(answers[0]!) : undefined,
    answers.length ? history.lineOf(answers.at(-1)!) : undefined,
  ]);
};

/** The step's live migrations of `vm` that got done: their action start and done times. */
function liveMigrationsOf(
  events: readonly TimelineEvent[],
  window: StepWindow,
  vm: string,
): { startNs: bigint; doneNs: bigint }[] {
  const starts = new Map<string, bigint>();
  const out: { startNs: bigint; doneNs: bigint }[] = [];
  for (const { record: r } of events) {
    if (r.kind !== 'action' || r.action !== 'live-migrate' || !window.faults.includes(r.id)) continue;
    if (r.phase === 'start') starts.set(r.id, BigInt(r.ns));
    const about = r.targets.includes(vm) || r.detail?.vm === vm;
    const start = starts.get(r.id);
    if (r.phase === 'done' && about && start !== undefined)
      out.push({ startNs: start, doneNs: BigInt(r.ns) });
  }
  return out;
}
