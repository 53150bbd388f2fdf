import { execFile } from 'node:child_process';
import { deadlineSignal } from '../../core/deadline.js';
import { HavocError } from '../../core/errors.js';

/** Debian package that provides each program the VM layer runs, for "not installed" errors. */
const PACKAGES: Record<string, string> = {
  ip: 'iproute2',
  'qemu-system-x86_64': 'qemu-system-x86',
  'qemu-nbd': 'qemu-utils',
  nbdkit: 'nbdkit',
};

export interface CommandOptions {
  /** Network namespace to run in (`ip netns exec`); absent: the caller's own. */
  netns?: string | undefined;
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** Wraps argv so it runs inside `netns`. */
export function inNetns(netns: string | undefined, argv: readonly string[]): string[] {
  return netns ? ['ip', 'netns', 'exec', netns, ...argv] : [...argv];
}

/**
 * Runs a program to completion and returns its stdout; a failure names the
 * command, the namespace and stderr, and a missing program names its Debian
 * package.
 */
export async function runCommand(argv: readonly string[], opts: CommandOptions = {}): Promise<string> {
  const full = inNetns(opts.netns, argv);
  const [file, ...args] = full;
  if (!file) throw new Error('runCommand: empty argv');
  const what = `${argv.join(' ')}${opts.netns ? ` (in netns ${opts.netns})` : ''}`;
  const signal = deadlineSignal(opts.timeoutMs ?? 30_000, what, opts.signal);
  return new Promise<string>((resolve, reject) => {
    execFile(file, args, { signal, maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      if (signal.aborted) return reject(signal.reason);
      const code = (err as NodeJS.ErrnoException).code;
      // `ip netns exec` reports a missing program on stderr rather than as ENOENT.
      const inner = /exec of "([^"]+)" failed: No such file/.exec(stderr ?? '')?.[1];
      const missing = code === 'ENOENT' ? file : inner;
      if (missing) {
        const pkg = PACKAGES[missing.split('/').pop() ?? ''] ?? 'the package that provides it';
        return reject(
          new HavocError('missing-program', `${missing} is not installed: install the Debian package ${pkg}`),
        );
      }
      const detail = (stderr || stdout || err.message).trim().split('\n').slice(-5).join(' | ');
      reject(new HavocError('command-failed', `${what} failed: ${detail}`));
    });
  });
}
