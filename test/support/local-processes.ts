import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

/* Daemons a test starts on loopback (Prometheus, Alertmanager, the exporter): a free port, stop by PID, stderr kept. */

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** SIGTERM to the recorded PID, SIGKILL after 10 s; resolves when it has exited. */
export async function stopProcess(proc: ChildProcess | undefined): Promise<void> {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null || proc.pid === undefined) return;
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  process.kill(proc.pid, 'SIGTERM');
  const timer = setTimeout(() => {
    if (proc.exitCode === null && proc.pid !== undefined) process.kill(proc.pid, 'SIGKILL');
  }, 10_000);
  await exited;
  clearTimeout(timer);
}

/** Collects what the process writes to stderr. */
export function stderrOf(proc: ChildProcess): () => string {
  let text = '';
  proc.stderr?.on('data', (d) => {
    text += String(d);
  });
  return () => text;
}
