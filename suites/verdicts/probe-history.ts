import type { ProbeFields, ProbeSample } from '../../chaos/probes/sample.js';
import type { TimelineEvent } from './verdict.js';

/*
 * A VM's probe samples as chaos/probes/measure.ts reads them, taken from the
 * timeline, each remembering its line so a verdict can cite it. A folded
 * record (`count`/`lastSentNs`) stays one sample: measure.ts reads folds.
 */

export interface ProbeHistory {
  vm: string;
  /** In send order. */
  samples: ProbeSample[];
  /** Each sample's first and last send (the same unless folded), parsed once. */
  firstNs: bigint[];
  lastNs: bigint[];
  /** Each sample's timeline line (`lines[i]` is `samples[i]`'s), for callers that cite many. */
  lines: number[];
  lineOf(sample: ProbeSample): number;
}

export interface SendRange {
  fromNs?: bigint;
  toNs?: bigint;
}

/** The first and last send a sample stands for (the same unless folded). */
export function sendSpan(s: ProbeSample): { firstNs: bigint; lastNs: bigint } {
  const firstNs = BigInt(s.sentNs);
  const lastNs = s.lastSentNs === undefined ? firstNs : BigInt(s.lastSentNs);
  return { firstNs, lastNs: lastNs > firstNs ? lastNs : firstNs };
}

/** Fields measure.ts can read as they are: a boot id that is a string, a counter that is a number. */
function wellTyped(fields: Record<string, unknown> | undefined): boolean {
  if (!fields) return true;
  const { bootId, counter, lateNs } = fields;
  return (
    (bootId === undefined || (typeof bootId === 'string' && bootId !== '')) &&
    (counter === undefined || (typeof counter === 'number' && Number.isFinite(counter))) &&
    (lateNs === undefined || typeof lateNs === 'string')
  );
}

/** Only the fields measure.ts knows, and only with the types it expects: a guest's odd answer is no boot id. */
function probeFields(fields: Record<string, unknown> | undefined): ProbeFields | undefined {
  if (!fields) return undefined;
  const out: ProbeFields = {};
  if (typeof fields.bootId === 'string' && fields.bootId !== '') out.bootId = fields.bootId;
  if (typeof fields.counter === 'number' && Number.isFinite(fields.counter)) out.counter = fields.counter;
  if (typeof fields.lateNs === 'string') out.lateNs = fields.lateNs;
  return Object.keys(out).length ? out : undefined;
}

type ProbeRecord = Extract<TimelineEvent['record'], { kind: 'probe' }>;

/**
 * A probe record is a sample (the same shape, plus the timeline's stamp);
 * only one whose fields have odd types gets a cleaned copy. Not copying
 * matters on long runs: the runner recomputes live verdicts every second.
 */
function sampleOf(r: ProbeRecord): ProbeSample {
  if (wellTyped(r.fields)) return r as unknown as ProbeSample;
  const { fields, v: _v, ns: _ns, wall: _wall, ...rest } = r;
  const clean = probeFields(fields);
  return { ...rest, ...(clean ? { fields: clean } : {}) };
}

/**
 * The samples of `vm`'s probe with a send in the range (a fold that
 * straddles a bound is kept whole: its requests are one result). Written for
 * long runs (the runner recomputes live verdicts every second over every
 * sample so far): each time is parsed once.
 */
export function probeHistory(
  events: readonly TimelineEvent[],
  vm: string,
  range: SendRange = {},
): ProbeHistory {
  let samples: ProbeSample[] = [];
  let firstNs: bigint[] = [];
  let lastNs: bigint[] = [];
  let lines: number[] = [];
  let sorted = true;
  for (const { line, record: r } of events) {
    if (r.kind !== 'probe' || r.probe !== vm) continue;
    const first = BigInt(r.sentNs);
    if (range.toNs !== undefined && first > range.toNs) continue;
    let last = first;
    if (r.lastSentNs !== undefined) {
      const l = BigInt(r.lastSentNs);
      if (l > first) last = l;
    }
    if (range.fromNs !== undefined && last < range.fromNs) continue;
    if (firstNs.length && first < firstNs[firstNs.length - 1]!) sorted = false;
    samples.push(sampleOf(r));
    firstNs.push(first);
    lastNs.push(last);
    lines.push(line);
  }
  if (!sorted) {
    const order = firstNs
      .map((_, i) => i)
      .sort((a, b) => (firstNs[a]! < firstNs[b]! ? -1 : firstNs[a]! > firstNs[b]! ? 1 : 0));
    samples = order.map((i) => samples[i]!);
    lastNs = order.map((i) => lastNs[i]!);
    lines = order.map((i) => lines[i]!);
    firstNs = order.map((i) => firstNs[i]!);
  }
  return {
    vm,
    samples,
    firstNs,
    lastNs,
    lines,
    // Looked up a few times per verdict: a scan costs less than indexing every sample.
    lineOf: (s) => lines[samples.indexOf(s)]!,
  };
}

/** The index of the first sample sent at or after `ns` (samples.length when none). */
function firstSentFrom(history: ProbeHistory, ns: bigint): number {
  let lo = 0;
  let hi = history.firstNs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (history.firstNs[mid]! < ns) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The samples with a send at or after `ns` (a fold that began before and ran past it included), in send order. */
export function samplesReaching(history: ProbeHistory, ns: bigint): ProbeSample[] {
  return history.samples.filter((_, i) => history.lastNs[i]! >= ns);
}

/** The samples whose first send is at or after `ns`, in send order. */
export function samplesFrom(history: ProbeHistory, ns: bigint): ProbeSample[] {
  return history.samples.slice(firstSentFrom(history, ns));
}

/** The last sample sent before `ns` that answered with `field` (a boot id, a counter). */
export function lastAnswerBefore(
  history: ProbeHistory,
  ns: bigint,
  field: keyof ProbeFields,
): ProbeSample | undefined {
  for (let i = firstSentFrom(history, ns) - 1; i >= 0; i--) {
    const s = history.samples[i]!;
    if (s.ok && s.fields?.[field] !== undefined) return s;
  }
  return undefined;
}

/** The sample whose first or last send was at `ns` (what measure.ts reports times of). */
export function sampleSentAt(history: ProbeHistory, ns: bigint): ProbeSample | undefined {
  const i = firstSentFrom(history, ns);
  if (history.firstNs[i] === ns) return history.samples[i];
  // A fold's last send: the fold began before it.
  for (let j = i - 1; j >= 0; j--) if (history.lastNs[j] === ns) return history.samples[j];
  return undefined;
}

/** The latest send of the history (the end of a fold), or undefined for none. */
export function lastSendOf(history: ProbeHistory): bigint | undefined {
  let last: bigint | undefined;
  for (const ns of history.lastNs) if (last === undefined || ns > last) last = ns;
  return last;
}
