import {
  bootIdChangesOf,
  counterDecreasesOf,
  type ProbeRun,
  probeRunsOf,
} from '../../../chaos/probes/measure.js';
import type { ProbeSample } from '../../../chaos/probes/sample.js';
import { probeHistory } from '../../verdicts/probe-history.js';
import type { TimelineEvent } from '../../verdicts/verdict.js';
import { exactOffsetLabel } from '../describe-event.js';
import { exactDuration, humanDuration } from '../format.js';
import type { Lane, Marker, Segment } from './timeline-types.js';

/*
 * A probe's lane: its samples folded into runs of one result by
 * chaos/probes/measure.ts (the fold the verdicts' outages come from), one
 * segment per run, so the report grows with the state changes a VM went
 * through and not with the samples (a 19-minute run at 50 Hz is 57,000
 * samples a VM). Each run keeps the send times of its first request and of
 * the next run's first request to the nanosecond, so a 40 ms outage is a
 * 40 ms interval with its exact bounds and its failed-request count.
 */

/** The median interval between sends, counting each folded sample as its count - 1 intervals. */
export function probeResolutionNs(
  samples: readonly ProbeSample[],
  firstNs: readonly bigint[],
  lastNs: readonly bigint[],
): bigint | undefined {
  const intervals: { ns: bigint; weight: number }[] = [];
  samples.forEach((s, i) => {
    const count = s.count ?? 1;
    const first = firstNs[i] as bigint;
    const last = lastNs[i] as bigint;
    if (count > 1 && last > first)
      intervals.push({ ns: (last - first) / BigInt(count - 1), weight: count - 1 });
    const next = firstNs[i + 1];
    if (next !== undefined && next > last) intervals.push({ ns: next - last, weight: 1 });
  });
  if (intervals.length === 0) return undefined;
  intervals.sort((a, b) => (a.ns < b.ns ? -1 : a.ns > b.ns ? 1 : 0));
  const total = intervals.reduce((n, x) => n + x.weight, 0);
  let seen = 0;
  for (const x of intervals) {
    seen += x.weight;
    if (seen * 2 >= total) return x.ns;
  }
  return intervals.at(-1)?.ns;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function runDetail(
  name: string,
  run: ProbeRun,
  lineOf: (s: ProbeSample) => number,
  originNs: bigint,
): string {
  const from = exactOffsetLabel(run.fromNs, originNs);
  const span =
    run.untilNs !== undefined
      ? `from ${from} to ${exactOffsetLabel(run.untilNs, originNs)} (${exactDuration(run.untilNs - run.fromNs)})`
      : `from ${from}, last send ${exactOffsetLabel(run.lastSentNs, originNs)} (${exactDuration(
          run.lastSentNs - run.fromNs,
        )}), when the timeline ends`;
  const first = lineOf(run.first);
  const last = lineOf(run.last);
  const lines = first === last ? `L${first}` : `L${first}..L${last}`;
  if (!run.ok) {
    const why = run.errors
      .map((e) => (run.errors.length > 1 ? `${e.error} (${e.count})` : e.error))
      .join('; ');
    return `${name} probe down ${span}: ${plural(run.requests, 'request')} failed: ${why} [${lines}]`;
  }
  const boot = run.bootId !== undefined ? `, boot id ${run.bootId}` : '';
  const counter =
    run.counterFirst === undefined
      ? ''
      : run.counterFirst === run.counterLast
        ? `, counter ${run.counterFirst}`
        : `, counter ${run.counterFirst} to ${run.counterLast}`;
  return `${name} probe up ${span}: ${plural(run.requests, 'request')} answered${boot}${counter} [${lines}]`;
}

export function probeLane(
  name: string,
  events: readonly TimelineEvent[],
  endNs: bigint,
  originNs: bigint,
): Lane {
  const history = probeHistory(events, name);
  const lineBySample = new Map(history.samples.map((s, i) => [s, history.lines[i] as number]));
  const lineOf = (s: ProbeSample) => lineBySample.get(s) ?? 0;
  const resolution = probeResolutionNs(history.samples, history.firstNs, history.lastNs);
  const segments: Segment[] = probeRunsOf(history.samples).map((run) => {
    // The last run stands until one interval after its last send (no later send says otherwise), within the timeline.
    const openEnd = run.lastSentNs + (resolution ?? 0n);
    const toNs = run.untilNs ?? (openEnd < endNs ? openEnd : endNs);
    return {
      fromNs: run.fromNs,
      toNs: toNs > run.fromNs ? toNs : run.fromNs,
      label: run.ok ? 'up' : 'down',
      cls: run.ok ? 'p-up' : 'p-down',
      detail: runDetail(name, run, lineOf, originNs),
      requests: run.requests,
    };
  });
  // Markers where the guest said something no up/down colour shows: a new boot id, a disk counter that went back.
  const lineAt = (ns: bigint) => {
    const i = history.firstNs.indexOf(ns);
    return i >= 0 ? `L${history.lines[i]} ` : '';
  };
  const markers: Marker[] = [
    ...bootIdChangesOf(history.samples).map((c) => ({
      atNs: c.atNs,
      cls: 'm-boot',
      detail: `${lineAt(c.atNs)}${exactOffsetLabel(c.atNs, originNs)} ${name} answered with a new boot id: ${c.from} -> ${c.to}`,
    })),
    ...counterDecreasesOf(history.samples).map((c) => ({
      atNs: c.atNs,
      cls: 'm-counter',
      detail: `${lineAt(c.atNs)}${exactOffsetLabel(c.atNs, originNs)} ${name}'s disk counter went back from ${c.from} to ${c.to}: writes were lost`,
    })),
  ].sort((a, b) => (a.atNs < b.atNs ? -1 : a.atNs > b.atNs ? 1 : 0));
  return {
    kind: 'probe',
    name,
    label: `${name} probe`,
    ...(resolution !== undefined ? { note: `every ~${humanDuration(Number(resolution) / 1e6)}` } : {}),
    segments,
    markers,
  };
}
