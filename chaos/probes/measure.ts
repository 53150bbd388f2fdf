import type { ProbeSample } from './sample.js';

/*
 * What a probe history shows, computed from the samples alone (pure, so it is
 * tested on synthetic histories). Times are bigint nanoseconds on the
 * monotonic clock, durations too; callers format them. A folded sample
 * (`count` requests from `sentNs` to `lastSentNs`, one result) counts as
 * its `count` requests; its first and last sends are the ones whose times
 * are known, so those two are what the measures below use.
 */

export interface Outage {
  /** Send time of the first failed request. */
  startNs: bigint;
  /** Send time of the first request that succeeded after it; absent when none did (still down). */
  endNs?: bigint;
  /** endNs - startNs (or up to the last failed send, when still down). */
  durationNs: bigint;
  failed: number;
  /** The first error of the run, to say what the client saw. */
  error: string;
}

export interface BootIdChange {
  from: string;
  to: string;
  /** Send time of the first request answered by the new boot id. */
  atNs: bigint;
}

/** A boot id answering a request sent after a newer boot id had answered: the VM ran twice. */
export interface BootIdOverlap {
  older: string;
  newer: string;
  /** When the newer one first answered. */
  newerSinceNs: bigint;
  /** Send time of the request the older one answered after that. */
  olderAgainNs: bigint;
}

/** A request sent after another's answer saw a lower disk counter: writes were lost. */
export interface CounterDecrease {
  from: number;
  to: number;
  atNs: bigint;
}

export interface ProbeMeasurement {
  requests: number;
  failed: number;
  outages: Outage[];
  longestOutageNs: bigint;
  unavailableNs: bigint;
  bootIdChanges: BootIdChange[];
  bootIdOverlaps: BootIdOverlap[];
  counterDecreases: CounterDecrease[];
  lateSends: number;
  maxLateNs: bigint;
  firstSentNs?: bigint;
  lastSentNs?: bigint;
}

interface Timed {
  sample: ProbeSample;
  sentNs: bigint;
  answeredNs?: bigint;
  /** The last send a folded sample stands for; `sentNs` otherwise. */
  lastSentNs: bigint;
  /** How many requests the sample stands for (1 unless folded). */
  count: number;
}

const bySent = (a: { sentNs: bigint }, b: { sentNs: bigint }) =>
  a.sentNs < b.sentNs ? -1 : a.sentNs > b.sentNs ? 1 : 0;

function timed(samples: readonly ProbeSample[]): Timed[] {
  return samples
    .map((sample) => {
      const sentNs = BigInt(sample.sentNs);
      const lastSentNs = sample.lastSentNs === undefined ? sentNs : BigInt(sample.lastSentNs);
      return {
        sample,
        sentNs,
        ...(sample.answeredNs === undefined ? {} : { answeredNs: BigInt(sample.answeredNs) }),
        lastSentNs: lastSentNs > sentNs ? lastSentNs : sentNs,
        count: sample.count ?? 1,
      };
    })
    .sort(bySent);
}

/**
 * A run of requests, in send order, with one result: up (answered, by one
 * boot id) or down (failed, whatever the errors). A failed request after an
 * answered one, an answer after a failure, and an answer by a new boot id
 * each start a new run, so every change keeps the send time of the request
 * that showed it. What reports draw and what outages are made of.
 */
export interface ProbeRun {
  ok: boolean;
  /** Send time of the run's first request. */
  fromNs: bigint;
  /** Send time of the run's last request. */
  lastSentNs: bigint;
  /** Send time of the next run's first request; absent for the last run. */
  untilNs?: bigint;
  requests: number;
  /** Down runs: each error and how many requests failed with it, in the order first seen. */
  errors: { error: string; count: number }[];
  /** Up runs: the boot id that answered, when the answers carried one. */
  bootId?: string;
  /** Up runs: the disk counter of the first and of the last answer that carried one. */
  counterFirst?: number;
  counterLast?: number;
  /** The samples the run begins and ends with (a folded sample may be both). */
  first: ProbeSample;
  last: ProbeSample;
}

export function probeRunsOf(samples: readonly ProbeSample[]): ProbeRun[] {
  const runs: ProbeRun[] = [];
  let open: ProbeRun | undefined;
  for (const t of timed(samples)) {
    const s = t.sample;
    const bootId = s.ok ? s.fields?.bootId : undefined;
    const newBoot = open?.ok && bootId !== undefined && open.bootId !== undefined && bootId !== open.bootId;
    if (!open || open.ok !== s.ok || newBoot) {
      if (open) open.untilNs = t.sentNs;
      open = {
        ok: s.ok,
        fromNs: t.sentNs,
        lastSentNs: t.lastSentNs,
        requests: 0,
        errors: [],
        first: s,
        last: s,
      };
      runs.push(open);
    }
    open.requests += t.count;
    open.last = s;
    if (t.lastSentNs > open.lastSentNs) open.lastSentNs = t.lastSentNs;
    if (!s.ok) {
      const error = s.error ?? 'failed';
      const seen = open.errors.find((e) => e.error === error);
      if (seen) seen.count += t.count;
      else open.errors.push({ error, count: t.count });
      continue;
    }
    if (bootId !== undefined) open.bootId = bootId;
    const counter = s.fields?.counter;
    if (counter !== undefined) {
      open.counterFirst ??= counter;
      open.counterLast = counter;
    }
  }
  return runs;
}

/**
 * Outages in send order: a down run, from the first failed send to the
 * next successful send. With sends every I ns, that estimate is off by less
 * than I either way (where the outage falls between two sends).
 */
export function outagesOf(samples: readonly ProbeSample[]): Outage[] {
  return probeRunsOf(samples)
    .filter((r) => !r.ok)
    .map((r) => ({
      startNs: r.fromNs,
      ...(r.untilNs !== undefined ? { endNs: r.untilNs } : {}),
      durationNs: (r.untilNs ?? r.lastSentNs) - r.fromNs,
      failed: r.requests,
      error: r.errors[0]?.error ?? 'failed',
    }));
}

/** Each change of boot id between successive answers, in send order (a restart, or a failover to a copy). */
export function bootIdChangesOf(samples: readonly ProbeSample[]): BootIdChange[] {
  const changes: BootIdChange[] = [];
  let current: string | undefined;
  for (const t of timed(samples)) {
    const bootId = t.sample.ok ? t.sample.fields?.bootId : undefined;
    if (bootId === undefined) continue;
    if (current !== undefined && bootId !== current)
      changes.push({ from: current, to: bootId, atNs: t.sentNs });
    current = bootId;
  }
  return changes;
}

/**
 * Requests answered with boot ids in the order they were sent, judged
 * causally: only a request sent after another's answer can say which came
 * later, so concurrent requests never look like an overlap. A folded sample
 * is visited at its first send (whose answer time is known) and again at its
 * last send (answered, with the same fields, at a time not recorded, so it
 * never counts as answered before anything).
 */
function causalWalk(
  samples: readonly ProbeSample[],
  visit: (t: Timed, answeredBefore: readonly Timed[]) => void,
): void {
  const answered = timed(samples).filter((t) => t.sample.ok && t.answeredNs !== undefined);
  const byAnswer = [...answered].sort((a, b) =>
    a.answeredNs! < b.answeredNs! ? -1 : a.answeredNs! > b.answeredNs! ? 1 : 0,
  );
  const visits: Timed[] = [...answered];
  for (const t of answered) {
    if (t.lastSentNs > t.sentNs)
      visits.push({ sample: t.sample, sentNs: t.lastSentNs, lastSentNs: t.lastSentNs, count: 1 });
  }
  visits.sort(bySent);
  const before: Timed[] = [];
  let next = 0;
  for (const t of visits) {
    while (next < byAnswer.length && byAnswer[next]!.answeredNs! < t.sentNs) before.push(byAnswer[next++]!);
    visit(t, before);
  }
}

export function bootIdOverlapsOf(samples: readonly ProbeSample[]): BootIdOverlap[] {
  const overlaps: BootIdOverlap[] = [];
  // Boot ids in the order they first answered, and when.
  const firstAnswered = new Map<string, bigint>();
  let seen = 0;
  const reported = new Set<string>();
  causalWalk(samples, (t, before) => {
    for (; seen < before.length; seen++) {
      const b = before[seen]!;
      const id = b.sample.fields?.bootId;
      if (id !== undefined && !firstAnswered.has(id)) firstAnswered.set(id, b.answeredNs!);
    }
    const id = t.sample.fields?.bootId;
    if (id === undefined || !firstAnswered.has(id)) return;
    const mine = firstAnswered.get(id)!;
    for (const [other, since] of firstAnswered) {
      if (other === id || since <= mine || reported.has(`${id} ${other}`)) continue;
      reported.add(`${id} ${other}`);
      overlaps.push({ older: id, newer: other, newerSinceNs: since, olderAgainNs: t.sentNs });
    }
  });
  return overlaps;
}

export function counterDecreasesOf(samples: readonly ProbeSample[]): CounterDecrease[] {
  const decreases: CounterDecrease[] = [];
  let highest: number | undefined;
  let seen = 0;
  causalWalk(samples, (t, before) => {
    for (; seen < before.length; seen++) {
      const c = before[seen]!.sample.fields?.counter;
      if (c !== undefined && (highest === undefined || c > highest)) highest = c;
    }
    const c = t.sample.fields?.counter;
    if (c === undefined || highest === undefined || c >= highest) return;
    decreases.push({ from: highest, to: c, atNs: t.sentNs });
    // Counting on from the lower value is one loss, not one per later answer.
    highest = c;
  });
  return decreases;
}

/** Math.max for bigints (Math.max takes numbers only). */
const laterOf = (a: bigint, b: bigint) => (a > b ? a : b);

export function measureProbe(samples: readonly ProbeSample[]): ProbeMeasurement {
  const outages = outagesOf(samples);
  const sorted = timed(samples);
  let lateSends = 0;
  let maxLateNs = 0n;
  let requests = 0;
  let failed = 0;
  for (const t of sorted) {
    requests += t.count;
    if (!t.sample.ok) failed += t.count;
    if (t.sample.fields?.lateNs === undefined) continue;
    lateSends += t.count;
    maxLateNs = laterOf(maxLateNs, BigInt(t.sample.fields.lateNs));
  }
  return {
    requests,
    failed,
    outages,
    longestOutageNs: outages.map((o) => o.durationNs).reduce(laterOf, 0n),
    unavailableNs: outages.reduce((sum, o) => sum + o.durationNs, 0n),
    bootIdChanges: bootIdChangesOf(samples),
    bootIdOverlaps: bootIdOverlapsOf(samples),
    counterDecreases: counterDecreasesOf(samples),
    lateSends,
    maxLateNs,
    ...(sorted.length
      ? { firstSentNs: sorted[0]!.sentNs, lastSentNs: sorted.map((t) => t.lastSentNs).reduce(laterOf) }
      : {}),
  };
}
