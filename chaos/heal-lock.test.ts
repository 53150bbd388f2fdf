import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { acquireHealLock } from './heal-lock.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'havoc-lock-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it('lets one healer in at a time and the next one in after release', async () => {
  const first = await acquireHealLock(dir, 5_000, AbortSignal.timeout(10_000));
  await expect(acquireHealLock(dir, 200, AbortSignal.timeout(10_000))).rejects.toThrow(
    /another healer holds/,
  );
  await first.release();
  const second = await acquireHealLock(dir, 200, AbortSignal.timeout(10_000));
  await second.release();
});

it('is released when the healer holding it is killed with SIGKILL (no stale lock)', async () => {
  const script = `
    import { acquireHealLock } from ${JSON.stringify(join(import.meta.dirname, 'heal-lock.ts'))};
    await acquireHealLock(${JSON.stringify(dir)}, 5000, AbortSignal.timeout(10000));
    process.stdout.write('held\\n');
    setInterval(() => {}, 1000);`;
  const healer = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise((resolve) => healer.stdout.once('data', resolve));
  await expect(acquireHealLock(dir, 100, AbortSignal.timeout(10_000))).rejects.toThrow(/another healer/);
  const gone = new Promise((resolve) => healer.once('close', resolve));
  healer.kill('SIGKILL');
  await gone;
  const lock = await acquireHealLock(dir, 5_000, AbortSignal.timeout(10_000));
  await lock.release();
});
