/**
 * One probe request and what came of it, in the shape of the timeline's
 * `probe` record (chaos/timeline): times are decimal strings of
 * `process.hrtime.bigint()` (CLOCK_MONOTONIC, the same in every process of
 * the machine), so samples from several probing processes merge on one axis.
 */
export interface ProbeSample {
  kind: 'probe';
  /** The probed VM's name. */
  probe: string;
  sentNs: string;
  /** When the answer arrived; absent when none came within the timeout. */
  answeredNs?: string;
  ok: boolean;
  error?: string;
  fields?: ProbeFields;
  /**
   * A folded record (the timeline's `count`/`lastSentNs`): `count` requests
   * sent from `sentNs` to `lastSentNs`, all with this result and these
   * fields; `answeredNs` is the first one's. A prober never folds; a
   * timeline writer may.
   */
  count?: number;
  lastSentNs?: string;
}

/**
 * What a probe read from the answer (the lab guest's boot id and disk
 * counter) and how the request left: `lateNs` is set when the send left more
 * than LATE_NS after its planned time (a busy event loop or a slow sender).
 */
export type ProbeFields = {
  bootId?: string;
  counter?: number;
  lateNs?: string;
};

/** Where samples go, one at a time, as they happen (a JSON Lines file, the timeline). */
export type SampleSink = (sample: ProbeSample) => void;

/** A send more than 1 ms after its planned time is recorded as late. */
export const LATE_NS = 1_000_000n;

export function nowNs(): bigint {
  return process.hrtime.bigint();
}
