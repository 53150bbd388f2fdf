import { HavocError } from '../../core/errors.js';
import type { Timeline } from '../timeline/index.js';
import { WATCH_EVENTS, type WatchEventKey, type WatchFields } from './events.js';

/** A watcher built a record its own vocabulary (events.ts) refuses: a bug of havoc, never of the peer. */
export class WatchVocabularyError extends HavocError {
  constructor(key: string, subject: string, why: string) {
    super('bug', `watch record ${key} for ${subject} does not match chaos/watchers/events.ts: ${why}`);
    this.name = 'WatchVocabularyError';
  }
}

type Split<K> = K extends `${infer W}/${infer E}` ? [W, E] : never;
export type WatcherName = Split<WatchEventKey>[0];
/** The events of one watcher: "node" for "pacemaker/node". */
export type EventOf<W extends WatcherName> =
  Extract<WatchEventKey, `${W}/${string}`> extends `${W}/${infer E}` ? E : never;
type KeyOf<W extends WatcherName, E extends string> = Extract<`${W}/${E}`, WatchEventKey>;

/**
 * Writes one watcher's `watch` records, validated against events.ts. `state`
 * writes when what it sees changed since the last record of that event and
 * subject (so the first observation of every subject is written too);
 * `occurrence` writes every time (a lifecycle event, a fence entry).
 */
export class WatchEmitter<W extends WatcherName> {
  private readonly last = new Map<string, string>();

  constructor(
    private readonly timeline: Timeline,
    readonly watcher: W,
  ) {}

  /**
   * Writes the state of `subject` if it differs from the last one written.
   * Keys in `ignore` (which node answered) are written but are no change on their own.
   * `of` is what the change is tracked for when a subject has several
   * (the alerts of one alertname, by fingerprint). Returns whether a record was written.
   */
  state<E extends EventOf<W>>(
    event: E,
    subject: string,
    fields: WatchFields<KeyOf<W, E>>,
    ns: bigint,
    ignore: readonly string[] = [],
    of: string = subject,
  ): boolean {
    const compared = Object.fromEntries(
      Object.entries(fields as Record<string, unknown>).filter(([k]) => !ignore.includes(k)),
    );
    const key = `${event}\u0000${of}`;
    const text = JSON.stringify(compared);
    if (this.last.get(key) === text) return false;
    this.occurrence(event, subject, fields, ns);
    this.last.set(key, text);
    return true;
  }

  occurrence<E extends EventOf<W>>(
    event: E,
    subject: string,
    fields: WatchFields<KeyOf<W, E>>,
    ns: bigint,
  ): void {
    const key = `${this.watcher}/${event}` as WatchEventKey;
    // A record that does not match the vocabulary is a bug in the watcher: refuse it before the timeline has it.
    const checked = WATCH_EVENTS[key].safeParse(fields);
    if (!checked.success) throw new WatchVocabularyError(key, subject, checked.error.message);
    const parsed = checked.data as Record<string, unknown>;
    this.timeline.append({
      kind: 'watch',
      watcher: this.watcher,
      subject,
      event,
      fields: parsed,
      ns: ns.toString(),
    });
  }
}
