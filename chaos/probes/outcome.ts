import type { ProbeFields } from './sample.js';

/** What one request came to, before it is stamped into a sample. */
export interface Outcome {
  ok: boolean;
  /** Absent when no answer came (refused, reset, timed out). */
  answeredNs?: bigint;
  error?: string;
  fields?: ProbeFields;
}
