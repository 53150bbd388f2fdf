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

/** Only the fields measure.ts knows, and only with the types it expects: a guest's odd answer is no boot id. */
function probeFields(fields: Record<string, unknown> | undefined): ProbeFields | undefined {
  if (!fields) return undefined;
  const out: ProbeFields = {};
  if (typeof fields.bootId === 'string' && fields.bootId !== '') out.bootId = fields.bootId;
  if (typeof fields.counter === 'number' && Number.isFinite(fields.counter)) out.counter = fields.counter;
  if (typeof fields.lateNs === 'string') out.lateNs = fields.lateNs;
  return Object.keys(out).length ? out : undefined;
}

/**
 * The samples of `vm`'s probe with a send in the range (a fold that
 * straddles a bound is kept whole: its requests are one result).
 */
export function probeHistory(
  events: readonly TimelineEvent[],
  vm: string,
  range: SendRange = {},
): ProbeHistory {
  const lines = new Map<ProbeSample, number>();
  const samples: ProbeSample[] = [];
  for (const { line, record: r } of events) {
    if (r.kind !== 'probe' || r.probe !== vm) continue;
    const fields = probeFields(r.fields);
    const sample: ProbeSample = {
      kind: 'probe',
      probe: r.probe,
      sentNs: r.sentNs,
      ok: r.ok,
      ...(r.answeredNs === undefined ? {} : { answeredNs: r.answeredNs }),
      ...(r.error === undefined ? {} : { error: r.error }),
      ...(fields ? { fields } : {}),
      ...(r.count === undefined ? {} : { count: r.count }),
      ...(r.lastSentNs === undefined ? {} : { lastSentNs: r.lastSentNs }),
    };
    const { firstNs, lastNs } = sendSpan(sample);
    if (range.toNs !== undefined && firstNs > range.toNs) continue;
    if (range.fromNs !== undefined && lastNs < range.fromNs) continue;
    samples.push(sample);
    lines.set(sample, line);
  }
  samples.sort((a, b) => {
    const x = BigInt(a.sentNs);
    const y = BigInt(b.sentNs);
    return x < y ? -1 : x > y ? 1 : 0;
  });
  return { vm, samples, lineOf: (s) => lines.get(s)! };
}

/** The last sample sent before `ns` that answered with `field` (a boot id, a counter). */
export function lastAnswerBefore(
  history: ProbeHistory,
  ns: bigint,
  field: keyof ProbeFields,
): ProbeSample | undefined {
  let found: ProbeSample | undefined;
  for (const s of history.samples) {
    if (BigInt(s.sentNs) >= ns) break;
    if (s.ok && s.fields?.[field] !== undefined) found = s;
  }
  return found;
}

/** The sample whose first or last send was at `ns` (what measure.ts reports times of). */
export function sampleSentAt(history: ProbeHistory, ns: bigint): ProbeSample | undefined {
  return history.samples.find((s) => {
    const { firstNs, lastNs } = sendSpan(s);
    return firstNs === ns || lastNs === ns;
  });
}

/** The latest send of the history (the end of a fold), or undefined for none. */
export function lastSendOf(history: ProbeHistory): bigint | undefined {
  let last: bigint | undefined;
  for (const s of history.samples) {
    const { lastNs } = sendSpan(s);
    if (last === undefined || lastNs > last) last = lastNs;
  }
  return last;
}
