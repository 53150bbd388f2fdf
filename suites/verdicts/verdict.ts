import type { TimelineRecord } from '../../chaos/timeline/index.js';

/*
 * SLO verdicts are pure functions over a run's timeline (Jepsen's checker
 * idea): they read events only, never the cluster, so each is tested on
 * synthetic timelines in milliseconds and a report can be recomputed from
 * the timeline file alone.
 */

/** A timeline record and where it is: its 1-based line in the timeline file is its id in reports. */
export interface TimelineEvent {
  line: number;
  record: TimelineRecord;
}

/**
 * The step a verdict judges, as the runner marked it on the timeline
 * (`step` records). Times are monotonic ns (bigint).
 */
export interface StepWindow {
  step: string;
  startNs: bigint;
  /** When the step's fault or action was seen in effect (its ledger `verified` or action `done`); absent when it never was. */
  injectedNs?: bigint;
  /** When the revert was verified; absent when it was not (yet). */
  revertedNs?: bigint;
  /** When the steady state held again after the revert. */
  steadyNs?: bigint;
  endNs: bigint;
  /** Ledger fault ids of the step. */
  faults: string[];
}

export type VerdictStatus = 'pass' | 'fail' | 'inconclusive';

export interface Verdict {
  /** The expectation's name, e.g. "restartedWithin". */
  expectation: string;
  /** What it is about, e.g. "vm1" or "host2". */
  subject: string;
  status: VerdictStatus;
  /** The measured value (ms) when there is one: a fail says by how much, a pass how close it came. */
  measuredMs?: number;
  /** The target (ms), when the expectation has one. */
  targetMs?: number;
  /** One sentence a person reads: what was seen, or for inconclusive what evidence was missing. */
  reason: string;
  /** Lines of the timeline the verdict used. Never empty for a pass. */
  evidence: number[];
}

/** A checker: given the step and every event of the run, one verdict. Pure. */
export type Checker<P> = (events: readonly TimelineEvent[], window: StepWindow, params: P) => Verdict;
