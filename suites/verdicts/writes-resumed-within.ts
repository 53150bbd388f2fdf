import { z } from 'zod';
import { bootIdChangesOf } from '../../chaos/probes/measure.js';
import { lastAnswerBefore, probeHistory, sampleSentAt, samplesFrom } from './probe-history.js';
import { reachedTarget, sinceInjection, stepInjection } from './step-facts.js';
import type { Checker } from './verdict.js';
import { durationText, msOf, verdictOf, withinTarget } from './verdict-of.js';
import { revertRecords } from './windows.js';

export const writesResumedWithinParams = z.strictObject({
  vm: z.string().min(1),
  targetMs: z.number().positive(),
});
export type WritesResumedWithinParams = z.infer<typeof writesResumedWithinParams>;

/**
 * After a storage loss nothing in the cluster acts (the VM pauses on I/O
 * error or its writes hang; the HA manager sees it running), so the outage
 * lasts as long as the fault and what the operator can ask for is the VM
 * back where it was once the storage is: its disk counter (probe field
 * `counter`, written and fsync'd by the guest) goes past the highest value
 * read before the verified revert, with the boot id it had before the fault,
 * within targetMs of that revert. A VM that answers HTTP with a frozen
 * counter (writes hanging on a dead TCP path) is not back; a new boot id is a
 * restart, not a resume.
 */
export const writesResumedWithin: Checker<WritesResumedWithinParams> = (events, window, p) => {
  const name = 'writesResumedWithin';
  const t = { targetMs: p.targetMs };
  const found = stepInjection(events, window, name, p.vm, p.targetMs);
  if ('verdict' in found) return found.verdict;
  const inj = found.injection;
  const { reverted } = revertRecords(events, window.faults);
  const revertLines = [...reverted.values()].map((e) => e.line);
  if (window.revertedNs === undefined)
    return verdictOf(
      name,
      p.vm,
      'inconclusive',
      `step ${window.step}: the revert was never verified, so there is no revert to measure from`,
      [...inj.lines, ...revertLines],
      t,
    );
  const revertedNs = window.revertedNs;
  const history = probeHistory(events, p.vm, { toNs: window.endNs });
  const before = lastAnswerBefore(history, inj.startNs, 'counter');
  const bootId = before?.fields?.bootId;
  if (!before || bootId === undefined)
    return verdictOf(
      name,
      p.vm,
      'inconclusive',
      `${p.vm}'s probe never read a disk counter and boot id before the fault`,
      inj.lines,
      t,
    );
  const lines: (number | undefined)[] = [...inj.lines, ...revertLines, history.lineOf(before)];
  const samples = samplesFrom(history, BigInt(before.sentNs));
  const restart = bootIdChangesOf(samples)[0];
  if (restart) {
    const at = sampleSentAt(history, restart.atNs);
    return verdictOf(
      name,
      p.vm,
      'fail',
      `${p.vm}'s boot id changed from ${restart.from} to ${restart.to} ${sinceInjection(restart.atNs, inj)}: it restarted, it did not resume`,
      [...lines, at ? history.lineOf(at) : undefined],
      t,
    );
  }
  let highest = before;
  for (const s of samples) {
    if (BigInt(s.sentNs) >= revertedNs) break;
    if (s.ok && (s.fields?.counter ?? -1) > highest.fields!.counter!) highest = s;
  }
  const counterAtRevert = highest.fields!.counter!;
  const resumed = samplesFrom(history, revertedNs).find(
    (s) => s.ok && s.fields?.counter !== undefined && s.fields.counter > counterAtRevert,
  );
  lines.push(history.lineOf(highest));
  if (resumed) {
    const measuredMs = Math.max(0, msOf(BigInt(resumed.sentNs) - revertedNs));
    const status = withinTarget(measuredMs, p.targetMs);
    return verdictOf(
      name,
      p.vm,
      status,
      `${p.vm} wrote again ${durationText(measuredMs)} after the revert (disk counter ${counterAtRevert} -> ${resumed.fields!.counter}, boot id ${bootId} throughout): ${status === 'pass' ? 'within' : 'over'} the ${durationText(p.targetMs)} target`,
      [...lines, history.lineOf(resumed)],
      { measuredMs, targetMs: p.targetMs },
    );
  }
  const sinceRevert = durationText(msOf(window.endNs - revertedNs));
  return verdictOf(
    name,
    p.vm,
    reachedTarget(revertedNs, window.endNs, p.targetMs) ? 'fail' : 'inconclusive',
    `${p.vm}'s disk counter stayed at ${counterAtRevert} up to the end of the step, ${sinceRevert} after the revert: its writes did not resume`,
    lines,
    t,
  );
};
