import { AuthError, HavocError } from '../../core/errors.js';

/**
 * The host presented a key that is not the one we hold (or none is held).
 * Code "host-key" so exporters can report it as a reason of its own: it is
 * either a reinstalled host or a man in the middle, never something to retry
 * around.
 */
export class HostKeyError extends HavocError {
  readonly seen: string;
  readonly expected: string[];
  constructor(message: string, opts: { target: string; seen: string; expected: string[]; hint: string }) {
    super('host-key', message, { target: opts.target, hint: opts.hint });
    this.name = 'HostKeyError';
    this.seen = opts.seen;
    this.expected = opts.expected;
  }
}

/** The remote command ran and exited non-zero (or by a signal). */
export class SshCommandError extends HavocError {
  readonly exitCode: number | undefined;
  readonly signal: string | undefined;
  readonly stdout: string;
  readonly stderr: string;
  constructor(
    what: string,
    target: string,
    result: { exitCode: number | undefined; signal: string | undefined; stdout: string; stderr: string },
  ) {
    const how = result.signal ? `was killed by ${result.signal}` : `exited with ${result.exitCode}`;
    const err = result.stderr.trim().split('\n').slice(-5).join(' | ');
    super('ssh-command', `${what} on ${target} ${how}${err ? `: ${err}` : ''}`, { target });
    this.name = 'SshCommandError';
    this.exitCode = result.exitCode;
    this.signal = result.signal;
    this.stdout = result.stdout;
    this.stderr = result.stderr;
  }
}

export { AuthError };
