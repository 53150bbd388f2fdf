import { type Logger, pino } from 'pino';
import type { Redactor } from './redact.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * Logs go to stderr (stdout is for data) as JSON lines, and every line passes
 * through the redactor, so a secret that slipped into a message or a field is
 * removed on the way out.
 */
export function createLogger(
  level: LogLevel,
  redactor: Redactor,
  destination: NodeJS.WritableStream = process.stderr,
): Logger {
  const stream = {
    write(line: string) {
      destination.write(redactor.redact(line));
    },
  };
  return pino({ level, base: undefined }, stream);
}
