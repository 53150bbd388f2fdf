import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import type { Socket } from 'node:net';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HavocError } from '../../core/errors.js';
import { makeDirs } from '../../core/make-dirs.js';
import { GUARDIAN_READY, type GuardianConfig, type GuardianMessage } from './protocol.js';

const READY_MS = 15_000;

export interface Guardian {
  pid: number;
  /** Where the guardian logs (beside the ledger). */
  logFile: string;
  send(message: GuardianMessage): void;
  /** Closes the pipe: the guardian heals whatever of this run is not reverted, then exits. */
  finish(): void;
}

/**
 * Starts the run's guardian: a detached process (its own session, so neither
 * Ctrl-C at the terminal nor a kill of the run's process group reaches it)
 * holding a pipe from the run. It learns of the run's end, however it ends,
 * from EOF on that pipe: no PID polling, no PID reuse to get wrong.
 */
export async function startGuardian(config: GuardianConfig, signal: AbortSignal): Promise<Guardian> {
  makeDirs(config.ledgerDir, 'the ledger folder', 0o700);
  const logFile = join(config.ledgerDir, `guardian-${config.run}.log`);
  const logFd = openSync(logFile, 'a', 0o600);
  // Beside this file: main.js in dist/, main.ts when running from source under tsx.
  const main = fileURLToPath(new URL(`./main${extname(fileURLToPath(import.meta.url))}`, import.meta.url));
  const child = spawn(process.execPath, [...process.execArgv, main], {
    detached: true,
    stdio: ['pipe', 'pipe', logFd],
  });
  closeSync(logFd);
  const stdin = child.stdin as unknown as Socket;
  stdin.on('error', () => {
    // The guardian died: nothing to tell it any more; `havoc heal` is the way out then.
  });
  const ready = await new Promise<boolean>((resolve, reject) => {
    const timer = setTimeout(() => resolve(false), READY_MS);
    const onAbort = () => resolve(false);
    signal.addEventListener('abort', onAbort, { once: true });
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new HavocError('environment', `cannot start the chaos guardian: ${err.message}`));
    });
    child.stdout!.setEncoding('utf8').once('data', (d: string) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve(d.trim() === GUARDIAN_READY);
    });
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(false);
    });
    stdin.write(`${JSON.stringify(config)}\n`);
  });
  if (!ready || child.pid === undefined) {
    child.kill('SIGKILL');
    throw new HavocError('environment', 'the chaos guardian did not start; nothing was injected', {
      hint: `see its log ${logFile}`,
    });
  }
  child.stdout!.destroy();
  child.unref();
  stdin.unref();
  return {
    pid: child.pid,
    logFile,
    send: (m) => {
      if (!stdin.destroyed) stdin.write(`${JSON.stringify(m)}\n`);
    },
    finish: () => {
      stdin.end();
    },
  };
}
