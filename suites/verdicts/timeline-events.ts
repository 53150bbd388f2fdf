import type { TimelineRecord } from '../../chaos/timeline/index.js';
import { readTimeline } from '../../chaos/timeline/index.js';
import type { TimelineEvent } from './verdict.js';

/** A run's timeline file as the events verdicts read, each with its line (its id in reports). */
export function readTimelineEvents(path: string): { events: TimelineEvent[]; tornLine: number | undefined } {
  const { records, lines, tornLine } = readTimeline(path);
  return { events: records.map((record, i) => ({ line: lines[i]!, record })), tornLine };
}

/**
 * When a record happened on the monotonic clock: a probe sample's send time
 * (when the request tested the service; it is written later), every other
 * record's `ns`.
 */
export function eventNs(record: TimelineRecord): bigint {
  return BigInt(record.kind === 'probe' ? record.sentNs : record.ns);
}

/** The later / earlier of two monotonic times (Math.max takes numbers only). */
export const laterNs = (a: bigint, b: bigint): bigint => (a > b ? a : b);
export const earlierNs = (a: bigint, b: bigint): bigint => (a < b ? a : b);
