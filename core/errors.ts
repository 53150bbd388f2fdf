/**
 * An error a person can act on: what was attempted, against which target, and
 * what to do next. `code` is stable for machines (JSON output, exit codes).
 */
export class HavocError extends Error {
  readonly code: string;
  readonly target: string | undefined;
  readonly hint: string | undefined;

  constructor(code: string, message: string, opts: { target?: string; hint?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'HavocError';
    this.code = code;
    this.target = opts.target;
    this.hint = opts.hint;
  }

  /** One line for a terminal: message, then the next step if there is one. */
  describe(): string {
    return this.hint ? `${this.message}: ${this.hint}` : this.message;
  }
}

export class TimeoutError extends HavocError {
  constructor(message: string, opts: { target?: string; hint?: string } = {}) {
    super('timeout', message, opts);
    this.name = 'TimeoutError';
  }
}

export class AuthError extends HavocError {
  constructor(message: string, opts: { target?: string; hint?: string } = {}) {
    super('auth', message, opts);
    this.name = 'AuthError';
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof HavocError) return err.describe();
  if (err instanceof Error) return err.message;
  return String(err);
}
