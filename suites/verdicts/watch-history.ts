import { type WatchEventKey, type WatchFields, watchFields } from '../../chaos/watchers/events.js';
import type { TimelineEvent } from './verdict.js';

/*
 * Watcher observations (chaos/watchers/events.ts) as verdicts read them:
 * typed, in timeline order, with their line. Watchers write on change (and
 * once first per subject), so the state at a time is the latest observation
 * before it, and "nothing new" means "unchanged" only while the watcher could
 * read its cluster: `watchCoverage` says whether it could.
 */

export interface Observation<T> {
  line: number;
  ns: bigint;
  /** The record's wall-clock time: for a person reading a reason, never compared. */
  wall: string;
  watcher: string;
  subject: string;
  fields: T;
}

/** The watchers whose placement records say where a VM runs. */
export const PLACEMENT_EVENTS = [
  'pacemaker/placement',
  'libvirt/placement',
  'qmp/placement',
  'xapi/placement',
] as const;

/** Observations of one or more (watcher, event) kinds, about `subject` when given, in timeline order. */
export function observations<K extends WatchEventKey>(
  events: readonly TimelineEvent[],
  keys: K | readonly K[],
  subject?: string,
): Observation<WatchFields<K>>[] {
  const wanted = (typeof keys === 'string' ? [keys] : keys) as readonly K[];
  const out: Observation<WatchFields<K>>[] = [];
  for (const { line, record: r } of events) {
    if (r.kind !== 'watch' || (subject !== undefined && r.subject !== subject)) continue;
    for (const key of wanted) {
      const fields = watchFields(key, r);
      if (fields === undefined) continue;
      out.push({ line, ns: BigInt(r.ns), wall: r.wall, watcher: r.watcher, subject: r.subject, fields });
      break;
    }
  }
  return out;
}

/** The latest observation at or before `ns`. */
export function stateAt<T>(list: readonly Observation<T>[], ns: bigint): Observation<T> | undefined {
  let found: Observation<T> | undefined;
  for (const o of list) if (o.ns <= ns) found = o;
  return found;
}

/** Observations in (fromNs, toNs]. */
export function between<T>(list: readonly Observation<T>[], fromNs: bigint, toNs: bigint): Observation<T>[] {
  return list.filter((o) => o.ns > fromNs && o.ns <= toNs);
}

export interface Coverage {
  /** Every listed watcher that wrote anything up to `toNs` could read its cluster throughout. */
  covered: boolean;
  /** The watchers that wrote anything up to `toNs`; none means nobody was watching. */
  watchers: string[];
  /** Reachability records saying a watcher could not read its cluster, in effect during the range. */
  gaps: Observation<WatchFields<'pacemaker/reachability'>>[];
  /** Lines showing the watchers were watching (their last reachable record before the range, or their first record). */
  lines: number[];
  /** One sentence for an inconclusive reason. */
  why: string;
}

/**
 * Could `watchers` (e.g. ["pacemaker"]) see their cluster during
 * [fromNs, toNs]? A watcher that wrote nothing at all did not watch; one
 * whose `<watcher>/reachability` said false in (or into) the range had a gap.
 */
export function watchCoverage(
  events: readonly TimelineEvent[],
  watchers: readonly string[],
  fromNs: bigint,
  toNs: bigint,
): Coverage {
  const seen = new Map<string, number>();
  for (const { line, record: r } of events) {
    if (r.kind === 'watch' && watchers.includes(r.watcher) && BigInt(r.ns) <= toNs && !seen.has(r.watcher))
      seen.set(r.watcher, line);
  }
  const gaps: Coverage['gaps'] = [];
  const lines: number[] = [];
  for (const watcher of seen.keys()) {
    const reach = observations(events, `${watcher}/reachability` as 'pacemaker/reachability', 'cluster');
    const atStart = stateAt(reach, fromNs);
    if (atStart && !atStart.fields.reachable) gaps.push(atStart);
    gaps.push(...between(reach, fromNs, toNs).filter((o) => !o.fields.reachable));
    lines.push(atStart?.line ?? seen.get(watcher)!);
  }
  const names = [...seen.keys()];
  let why = '';
  if (names.length === 0) why = `no ${watchers.join(' or ')} watcher wrote anything in this run`;
  else if (gaps.length) {
    const g = gaps[0]!;
    why = `the ${g.watcher} watcher could not read the cluster (line ${g.line}${g.fields.error ? `: ${g.fields.error}` : ''})`;
  }
  return { covered: names.length > 0 && gaps.length === 0, watchers: names, gaps, lines, why };
}
