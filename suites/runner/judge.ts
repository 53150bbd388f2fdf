import type { z } from 'zod';
import { errorMessage } from '../../core/errors.js';
import type { ExpectationRegistry, ExpectationSpec } from '../format/registries.js';
import type { MeasuredStats, StepResult } from '../result.js';
import { measuredStats } from '../stats.js';
import {
  EXPECTATION_NAMES,
  EXPECTATIONS,
  type Expectation,
  isExpectationName,
  stepWindows,
} from '../verdicts/index.js';
import type { StepWindow, TimelineEvent, Verdict } from '../verdicts/verdict.js';

/** What judges a run (suites/verdicts): the expectations, the step windows of a timeline, stats over repeats. */
export interface Judge {
  expectations: ExpectationRegistry;
  windows(events: readonly TimelineEvent[]): StepWindow[];
  stats(steps: readonly StepResult[]): MeasuredStats[];
}

export interface PlannedExpectation {
  name: string;
  params: Record<string, unknown>;
}

/**
 * The verdicts of one step over a timeline. A step that left no window
 * (it never started) has none; a checker that throws is a bug in havoc,
 * reported as inconclusive with its error, never as a pass.
 */
export function verdictsOfStep(
  judge: Judge,
  events: readonly TimelineEvent[],
  window: StepWindow | undefined,
  expectations: readonly PlannedExpectation[],
): Verdict[] {
  return expectations.map((e) => {
    const subject = String(e.params.vm ?? e.params.host ?? '');
    if (!window)
      return {
        expectation: e.name,
        subject,
        status: 'inconclusive',
        reason: 'the step has no marks on the timeline',
        evidence: [],
      };
    const spec = judge.expectations.byName(e.name);
    if (!spec)
      return {
        expectation: e.name,
        subject,
        status: 'inconclusive',
        reason: `no checker "${e.name}"`,
        evidence: [],
      };
    try {
      return spec.check(events, window, spec.params.parse(e.params));
    } catch (err) {
      return {
        expectation: e.name,
        subject,
        status: 'inconclusive',
        reason: `the checker failed (a bug in havoc): ${errorMessage(err)}`,
        evidence: [],
      };
    }
  });
}

/** The expectations of suites/verdicts as the suite format and the runner look them up. */
export const EXPECTATION_REGISTRY: ExpectationRegistry = {
  names: EXPECTATION_NAMES,
  byName: (name) =>
    isExpectationName(name)
      ? (EXPECTATIONS[name] as unknown as Expectation<z.ZodType> as ExpectationSpec)
      : undefined,
};

/** The one judge of a run: suites/verdicts' checkers and step windows, suites/stats over repeats. */
export const JUDGE: Judge = {
  expectations: EXPECTATION_REGISTRY,
  windows: stepWindows,
  stats: measuredStats,
};
