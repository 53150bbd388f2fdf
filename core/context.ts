import type { Logger } from 'pino';
import type { Redactor } from './redact.js';

/**
 * What every operation needs from its caller, passed explicitly (no module
 * state) so tests can run side by side.
 */
export interface RunContext {
  log: Logger;
  redactor: Redactor;
  signal: AbortSignal;
}
