import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { deadlineSignal, pollUntil } from '../../core/deadline.js';
import { stderrOf, stopProcess } from './local-processes.js';

/*
 * A real daemon (Prometheus, Pushgateway, Alertmanager) for a test: on
 * loopback, its own port and its own files (the caller passes paths in a
 * tempDir), ready when its HTTP readiness URL answers 200, stopped by the PID
 * it was started with (SIGTERM, then SIGKILL after 10 s).
 */

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
  const stderr = stderrOf(child);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${program} did not start: ${stderr()}`);
  const stop = () => stopProcess(child);
  try {
    await pollUntil(
      async (signal) => {
        if (child.exitCode !== null) throw new Error(`${program} exited (${child.exitCode}): ${stderr()}`);
        const res = await fetch(opts.readyUrl, { signal }).catch(() => undefined);
        await res?.body?.cancel();
        return res?.status === 200 ? true : undefined;
      },
      deadlineSignal(opts.timeoutMs ?? 60_000, `${program} ready at ${opts.readyUrl}`),
      { initialMs: 50, maxMs: 500 },
    );
  } catch (e) {
    await stop();
    throw new Error(`${(e as Error).message}\n${program} stderr: ${stderr()}`);
  }
  return { pid, stderr, stop };
}
