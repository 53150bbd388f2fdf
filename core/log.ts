import { type Logger, pino } from 'pino';
import type { Redactor } from './redact.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * Logs go to stderr (stdout is for data) as JSON lines. Secrets are removed
 * twice: from the values before pino serialises them (arguments, fields,
 * errors with their messages, stacks and causes), where a secret is still the
 * text it was registered as, and from the finished line, in every form JSON
 * escaping gives it, for what the first pass cannot see (a child logger's
 * bindings, serialised when the child was made, before a later secret was
 * known).
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
  return pino(
    {
      level,
      base: undefined,
      // Errors arrive already as plain objects from redactValue (type, message, stack, cause, fields).
      serializers: { err: (err: unknown) => err },
      hooks: {
        logMethod(args, method) {
          const [first, ...rest] = args as unknown[];
          // pino takes an Error's (or an `err` field's) message as the line's message when none is given.
          const error = first instanceof Error ? first : (first as { err?: unknown } | null)?.err;
          const message = error instanceof Error && typeof rest[0] !== 'string' ? [error.message] : [];
          const merged = first instanceof Error ? { err: first } : first;
          const redacted = [merged, ...message, ...rest].map((a) => redactor.redactValue(a));
          return method.apply(this, redacted as Parameters<typeof method>);
        },
      },
    },
    stream,
  );
}
