import type { Verdict, VerdictStatus } from './verdicts/verdict.js';

/*
 * What a suite run produced, as the runner (suites/runner/) hands it to the
 * reports (suites/reports/: JSON journal, JUnit, HTML, Pushgateway). The
 * JSON journal is this object; everything else is drawn from it and from
 * the run's timeline file, which `timeline` names.
 */

export const SUITE_RESULT_VERSION = 1;

export interface StepResult {
  /** "<repeat>.<index>", as on the timeline's step records. */
  step: string;
  name: string;
  /** The fault or action and its parameters as run (targets resolved from selectors). */
  fault: string;
  params: Record<string, unknown>;
  targets: string[];
  /** The faults held for the whole step (`while`), as run. */
  conditions?: { fault: string; targets: string[]; params: Record<string, unknown> }[];
  /** How each selector was resolved, for a replay: e.g. {"host": "the host running vm1 -> host2"}. */
  selections: Record<string, string>;
  startWall: string;
  /** Monotonic ns as decimal strings, like the timeline. */
  startNs: string;
  endNs: string;
  durationMs: number;
  verdicts: Verdict[];
  /** Why the step did not run to its end (a failed injection, the steady state never came back, Ctrl-C). */
  error?: string;
}

/** p50 / p95 / max of one measured value over the repeats of a step, e.g. vm1's restartedWithin. */
export interface MeasuredStats {
  /** The step's name in the suite file (the same across repeats). */
  stepName: string;
  expectation: string;
  subject: string;
  count: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  targetMs?: number;
  statuses: Record<VerdictStatus, number>;
}

export type SuiteOutcome = 'pass' | 'fail' | 'inconclusive' | 'aborted';

export interface SuiteResult {
  version: typeof SUITE_RESULT_VERSION;
  suite: { name: string; description?: string; file?: string; seed: number; repeat: number };
  run: string;
  outcome: SuiteOutcome;
  /** Why the run stopped early: a failed steady state before the first fault, Ctrl-C, a ledger not empty. */
  abortReason?: string;
  inventory: { file: string; cluster: string; sha256: string };
  versions: { havoc: string; cluster: Record<string, Record<string, string>> };
  startWall: string;
  endWall: string;
  durationMs: number;
  /** The run's timeline (JSON Lines): every verdict's evidence ids are lines of it. */
  timeline: string;
  steps: StepResult[];
  stats: MeasuredStats[];
  /** Set by the writer of reports, so JUnit and the journal can point at the HTML. */
  reports?: { json?: string; junit?: string; html?: string };
}
