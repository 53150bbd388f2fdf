import type { z } from 'zod';
import type { AnyFault } from '../../chaos/fault.js';
import { FAULTS_AND_ACTIONS } from '../../chaos/faults/index.js';
import type { Decides } from '../verdicts/index.js';
import type { Checker, StepWindow, TimelineEvent } from '../verdicts/verdict.js';

/** The faults and actions a step may name (chaos/faults/index.ts). */
export interface FaultRegistry {
  names: readonly string[];
  byName(name: string): AnyFault | undefined;
}

/** An expectation a step may name: its parameters' schema and its checker (suites/verdicts). */
export interface ExpectationSpec {
  params: z.ZodType<unknown>;
  check: Checker<unknown>;
  /** When its verdict is final (suites/verdicts/index.ts Decides): what the runner waits for. */
  decides: Decides;
  /** Needs the run's Alertmanager webhook receiver. */
  needsAlertReceiver?: boolean;
  /** For a verdict still inconclusive: whether later records can still decide it (default: they can). */
  canStillDecide?: (events: readonly TimelineEvent[], window: StepWindow, params: unknown) => boolean;
}

export interface ExpectationRegistry {
  names: readonly string[];
  byName(name: string): ExpectationSpec | undefined;
}

/** Every fault and planned action of chaos/faults/index.ts. */
export const FAULT_REGISTRY: FaultRegistry = {
  names: FAULTS_AND_ACTIONS.map((f) => f.name),
  byName: (name) => FAULTS_AND_ACTIONS.find((f) => f.name === name),
};
