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

/** Runs guest-page-server.ts inside a lab namespace (Node cannot enter one itself) until stopped, by its PID. */
export async function startGuestPageIn(
  netns: string,
  address: string,
  ports: readonly number[],
): Promise<GuestPageProcess> {
  const child = spawn(
    'ip',
    [
      'netns',
      'exec',
      netns,
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
