import type { z } from 'zod';
import type { AnyFault } from '../../chaos/fault.js';
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
}

export interface ExpectationRegistry {
  names: readonly string[];
  byName(name: string): ExpectationSpec | undefined;
}
