import type { ProbeFields } from './sample.js';
import type { Exchange, ExchangeResult } from './socket-exchange.js';

/** What one request came to, before it is stamped into a sample. */
export interface Outcome {
  ok: boolean;
  /** Absent when no answer came (refused, reset, timed out). */
  answeredNs?: bigint;
  error?: string;
  fields?: ProbeFields;
}

/**
 * One probe's request, built once (the request bytes, how to tell a whole
 * answer) and judged per answer: the loop starts a fresh exchange of it every
 * interval.
 */
export interface ProbeRequest {
  exchange: Exchange;
  outcome(r: ExchangeResult): Outcome;
}
