import type { z } from 'zod';
import type { AnyFault } from '../../chaos/fault.js';
import { FAULTS_AND_ACTIONS } from '../../chaos/faults/index.js';
import type { Decides } from '../verdicts/index.js';
import type { Checker } from '../verdicts/verdict.js';

/** The faults and actions a step may name (chaos/faults/index.ts). */
export interface FaultRegistry {
  names: readonly string[];
  byName(name: string): AnyFault | undefined;
}

/** An expectation a step may name: its parameters' schema and its checker (suites/verdicts). */
export interface ExpectationSpec {
  params: z.ZodType<unknown>;
  check: Checker<unknown>;
  decides: Decides;
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
