import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { deadlineSignal, pollUntil } from '../../core/deadline.js';

/*
 * A real daemon (Prometheus, Pushgateway, Alertmanager) for a test: on
 * loopback, its own port and its own files (the caller passes paths in a
 * tempDir), ready when its HTTP readiness URL answers 200, stopped by the PID
 * it was started with (SIGTERM, then SIGKILL after 10 s).
 */

export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface LocalDaemon {
  pid: number;
  stderr(): string;
  stop(): Promise<void>;
}

export async function startLocalDaemon(
  program: string,
  args: string[],
  opts: { readyUrl: string; debianPackage: string; timeoutMs?: number },
): Promise<LocalDaemon> {
  if (!existsSync(program))
    throw new Error(`${program} not found: install the Debian package ${opts.debianPackage}`);
  const child: ChildProcess = spawn(program, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr?.on('data', (d) => {
    err += String(d);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${program} did not start: ${err}`);
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    process.kill(pid, 'SIGTERM');
    const timer = setTimeout(() => {
      if (child.exitCode === null && child.signalCode === null) process.kill(pid, 'SIGKILL');
    }, 10_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await pollUntil(
      async (signal) => {
        if (child.exitCode !== null) throw new Error(`${program} exited (${child.exitCode}): ${err}`);
        const res = await fetch(opts.readyUrl, { signal }).catch(() => undefined);
        await res?.body?.cancel();
        return res?.status === 200 ? true : undefined;
      },
      deadlineSignal(opts.timeoutMs ?? 60_000, `${program} ready at ${opts.readyUrl}`),
      { initialMs: 50, maxMs: 500 },
    );
  } catch (e) {
    await stop();
    throw new Error(`${(e as Error).message}\n${program} stderr: ${err}`);
  }
  return { pid, stderr: () => err, stop };
}
