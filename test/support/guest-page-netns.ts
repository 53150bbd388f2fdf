import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');

export interface GuestPageProcess {
  pid: number;
  bootId: string;
  stop(): Promise<void>;
}

/**
 * Runs guest-page-server.ts inside a lab namespace (Node cannot enter one
 * itself) until stopped, by its PID. At real-time priority by default: it
 * stands for a VM that answers at once, and on this shared machine a
 * normal-priority server was measured keeping answers back for 100-180 ms
 * after an outage, which a ground truth must not add.
 */
export async function startGuestPageIn(
  netns: string,
  address: string,
  ports: readonly number[],
  opts: { realtime?: boolean } = {},
): Promise<GuestPageProcess> {
  const child = spawn(
    'ip',
    [
      'netns',
      'exec',
      netns,
      ...(opts.realtime === false ? [] : ['chrt', '-r', '10']),
      process.execPath,
      '--import',
      'tsx',
      join(REPO_ROOT, 'test/support/guest-page-server.ts'),
      address,
      ports.join(','),
    ],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  const exited = once(child, 'close');
  const lines = createInterface({ input: child.stdout! });
  const first = await Promise.race([
    once(lines, 'line').then(([line]) => JSON.parse(line as string) as { bootId: string }),
    exited.then(([code]) => {
      throw new Error(`guest page server in ${netns} exited (${code}): ${stderr.trim()}`);
    }),
    new Promise<never>((_, reject) =>
      setTimeout(
        () => reject(new Error(`guest page server in ${netns} did not listen within 20 s`)),
        20_000,
      ).unref(),
    ),
  ]);
  return {
    pid: child.pid!,
    bootId: first.bootId,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
