import { spawn } from 'node:child_process';
import { HavocError } from '../core/errors.js';

export interface ExecResult {
  stdout: string;
  stderr: string;
  code: number | null;
}

export interface ExecOptions {
  signal: AbortSignal;
  input?: string | Buffer;
  env?: NodeJS.ProcessEnv;
  /** Return a non-zero exit instead of throwing. */
  allowFailure?: boolean;
  /**
   * Run in a new session, without a controlling terminal, so a program that
   * would prompt on /dev/tty (ssh-keygen asking for a passphrase) fails at
   * once instead of waiting for a person.
   */
  noTerminal?: boolean;
}

/**
 * Runs a program to completion (never through a shell, so no quoting
 * accidents), killed if the signal aborts. A non-zero exit is an error that
 * names the command and carries its stderr.
 */
export function execProgram(argv: readonly string[], opts: ExecOptions): Promise<ExecResult> {
  const [file, ...args] = argv;
  if (!file) throw new Error('execProgram: empty command');
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      signal: opts.signal,
      killSignal: 'SIGKILL',
      env: opts.env ?? process.env,
      detached: opts.noTerminal ?? false,
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.on('error', (err) => {
      if (opts.signal.aborted) reject(opts.signal.reason);
      else reject(new HavocError('environment', `cannot run ${file}: ${err.message}`));
    });
    child.on('close', (code) => {
      if (code !== 0 && !opts.allowFailure) {
        reject(
          new HavocError(
            'exec',
            `\`${argv.join(' ')}\` failed (exit ${code}): ${stderr.trim() || stdout.trim()}`,
          ),
        );
      } else resolve({ stdout, stderr, code });
    });
    if (child.stdin) {
      // A program that exits without reading its input is reported by its exit status, not by EPIPE.
      child.stdin.on('error', () => {});
      child.stdin.end(opts.input);
    }
  });
}

/** `ip` in a namespace (or the root namespace when ns is undefined). */
export function ipCmd(
  ns: string | undefined,
  args: readonly string[],
  signal: AbortSignal,
): Promise<ExecResult> {
  return execProgram(ns ? ['ip', '-n', ns, ...args] : ['ip', ...args], { signal });
}

/** A program inside a network namespace. */
export function inNetns(ns: string, argv: readonly string[]): string[] {
  return ['ip', 'netns', 'exec', ns, ...argv];
}
