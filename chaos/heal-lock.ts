import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { HavocError } from '../core/errors.js';
import { makeDirs } from '../core/make-dirs.js';

export interface HealLock {
  release(): Promise<void>;
}

/** flock(1)'s exit code when the lock is held elsewhere past the wait. */
const BUSY = 75;

/**
 * The ledger directory's heal lock: only one healer (a run reverting its own
 * fault, a guardian, `havoc heal`) reverts at a time. Node has no flock(2),
 * so util-linux's flock(1) takes it and becomes (--no-fork) a `cat` reading
 * our pipe: it holds the lock until the pipe closes, which happens when we
 * release it or die, even by kill -9. The kernel drops the lock with the
 * process, so there is never a stale lock to clean up or a PID to guess.
 */
export async function acquireHealLock(
  ledgerDir: string,
  waitMs: number,
  signal: AbortSignal,
): Promise<HealLock> {
  makeDirs(ledgerDir, 'the ledger folder', 0o700);
  const path = join(ledgerDir, 'heal.lock');
  const child = spawn(
    'flock',
    [
      '--no-fork',
      '--wait',
      String(waitMs / 1000),
      '--conflict-exit-code',
      String(BUSY),
      path,
      'sh',
      '-c',
      'echo locked; exec cat',
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  const locked = await new Promise<boolean>((resolve, reject) => {
    const onAbort = () => {
      child.kill('SIGKILL');
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    child.once('error', (err) => {
      signal.removeEventListener('abort', onAbort);
      reject(
        new HavocError('missing-program', `cannot run flock(1) for the heal lock: ${err.message}`, {
          hint: 'install util-linux',
        }),
      );
    });
    child.stdout.setEncoding('utf8').once('data', () => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    });
    void exited.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(false);
    });
  });
  if (!locked) {
    const code = await exited;
    throw new HavocError(
      'busy',
      code === BUSY
        ? `another healer holds ${path} (a guardian or havoc heal still reverting) after waiting ${waitMs} ms`
        : `could not take the heal lock ${path}: ${stderr.trim() || `flock exited ${code}`}`,
      { hint: 'wait for it to finish and run havoc heal again' },
    );
  }
  return {
    release: async () => {
      child.stdin.end();
      await exited;
    },
  };
}
