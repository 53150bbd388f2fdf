import { z } from 'zod';
import { bootIdOverlapsOf } from '../../chaos/probes/measure.js';
import { probeHistory, sampleSentAt, samplesReaching } from './probe-history.js';
import { stepInjection } from './step-facts.js';
import type { Checker } from './verdict.js';
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
  // A live migration has the VM on two hosts by design (the source paused, the target running) until it is
  // done: two hosts inside the step's own migrations (a live-migrate, a standby's evacuation and its way back)
  // are not a double run; the probe's boot ids still judge it.
  const migrating = migrationWindows(events, window.faults);
  const twice = during.find(
    (o) => o.fields.hosts.length >= 2 && !migrating.some((m) => o.ns >= m.fromNs && o.ns <= m.toNs),
  );
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
  ].filter(Boolean);
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

/** How long after a migration is done a placement record may still show the read taken during it. */
const MIGRATION_READ_GRACE_NS = 10_000_000_000n;

/** Actions that move VMs by live migration: a standby evacuates its host, and its revert may bring them back. */
const MIGRATING_ACTIONS = new Set(['live-migrate', 'host-standby']);

/**
 * The step's migrations: from each migrating action's start to its done or
 * failed, and from its revert's start to its end (an unstandby lets
 * Pacemaker move the VMs home), or to the end of the record when neither came.
 */
function migrationWindows(events: Parameters<Checker<NoDoubleRunParams>>[0], faults: readonly string[]) {
  const windows: { fromNs: bigint; toNs: bigint }[] = [];
  const open = () => windows.push({ fromNs: 0n, toNs: BigInt(Number.MAX_SAFE_INTEGER) * 1_000_000n });
  const close = (ns: string | number) => {
    const last = windows.at(-1);
    // A crm_mon read that began before the end may arrive after it (records are stamped on arrival).
    if (last) last.toNs = BigInt(ns) + MIGRATION_READ_GRACE_NS;
  };
  for (const { record } of events) {
    if (record.kind === 'action' && MIGRATING_ACTIONS.has(record.action) && faults.includes(record.id)) {
      if (record.phase === 'start') {
        open();
        windows.at(-1)!.fromNs = BigInt(record.ns);
      } else close(record.ns);
    } else if (
      record.kind === 'ledger' &&
      record.name === 'host-standby' &&
      faults.includes(record.fault) &&
      (record.state === 'reverting' || record.state === 'reverted')
    ) {
      if (record.state === 'reverting') {
        open();
        windows.at(-1)!.fromNs = BigInt(record.ns);
      } else close(record.ns);
    }
  }
  return windows;
}
