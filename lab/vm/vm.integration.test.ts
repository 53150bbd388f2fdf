/**
 * The lab VM layer against real QEMU (TCG), real qemu-nbd and real bridges in
 * network namespaces this file creates (hvv-<id>-*) and deletes.
 */
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deadlineSignal, monotonicMs, pollUntil } from '../../core/deadline.js';
import { type GuestStatus, readCounterRecord } from '../../protocols/guest-status/guest-status.js';
import { QmpClient } from '../../protocols/qmp/client.js';
import {
  createTestbed,
  destroyTestbed,
  probeFromClient,
  requireLabPrograms,
  type Testbed,
  vmSpecOn,
  waitForAnswers,
} from '../../test/support/vm-testbed.js';
import { buildGuestImage, type GuestImage } from '../guest/initramfs.js';
import { runCommand } from './hostCommand.js';
import { migrateVm } from './migrate.js';
import { killVm, startVm, stopVm, vmStatus } from './qemuProcess.js';
import { vmPaths } from './vmSpec.js';

const guestUrl = (tb: Testbed) => `http://${tb.guestIp}/`;

async function waitHttp(tb: Testbed, timeoutMs: number): Promise<GuestStatus & { waitedMs: number }> {
  const { done } = probeFromClient(tb, ['wait', guestUrl(tb), String(timeoutMs)]);
  const { lines } = await done;
  const result = lines.at(-1) as { ok: boolean; status?: GuestStatus; waitedMs?: number; error?: string };
  if (!result?.ok || !result.status)
    throw new Error(`guest HTTP did not answer: ${result?.error ?? 'no output'}`);
  return { ...result.status, waitedMs: result.waitedMs ?? 0 };
}

/** The switch port (in the switch namespace's br0) the guest's MAC is learned on. */
async function switchPortOf(tb: Testbed, mac: string): Promise<string | undefined> {
  const fdb = await runCommand(['bridge', 'fdb', 'show', 'br', 'br0'], { netns: tb.switchNs });
  const line = fdb.split('\n').find((l) => l.toLowerCase().startsWith(mac));
  return /\bdev (\S+)/.exec(line ?? '')?.[1];
}

/** The switch port the MAC is learned on once it is `want`; the timeout error names the last port seen. */
async function waitForPort(tb: Testbed, mac: string, want: string, ms: number): Promise<string> {
  let last: string | undefined;
  try {
    return await pollUntil(
      async () => {
        last = await switchPortOf(tb, mac);
        return last === want ? last : undefined;
      },
      deadlineSignal(ms, `the switch learning ${mac} on ${want}`),
      { initialMs: 50, maxMs: 200 },
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}; last seen on ${last ?? 'no port'}`);
  }
}

async function diskCounter(tb: Testbed): Promise<number | undefined> {
  const sector = (await readFile(tb.diskImage)).subarray(0, 512);
  return readCounterRecord(sector)?.counter;
}

/** Waits until the counter record on the disk has reached more than `above`; returns it. */
function waitForDiskCounter(tb: Testbed, above: number, ms: number): Promise<number> {
  return pollUntil(
    async () => {
      const counter = await diskCounter(tb);
      return counter !== undefined && counter > above ? counter : undefined;
    },
    deadlineSignal(ms, `the disk counter passing ${above}`),
    { initialMs: 50, maxMs: 200 },
  );
}

describe('lab VM on QEMU TCG, tap on a bridge, disk on qemu-nbd', () => {
  let tb: Testbed;
  let image: GuestImage;

  beforeAll(async () => {
    await requireLabPrograms();
    image = await buildGuestImage({ cacheDir: join(tmpdir(), 'havoc-guest-cache') });
    tb = await createTestbed({ hosts: 2 });
  });

  afterAll(async () => {
    if (tb) await destroyTestbed(tb);
  });

  it('boots; HTTP answers with boot id and counter, echo works, the counter grows on disk', async () => {
    const spec = vmSpecOn(tb, 0, image);
    const started = monotonicMs();
    const { pid } = await startVm(spec);
    expect(pid).toBeGreaterThan(1);
    const first = await waitHttp(tb, 60_000);
    const bootToHttpMs = monotonicMs() - started;
    console.log(`boot to HTTP: ${Math.round(bootToHttpMs)} ms (QEMU start to first valid answer)`);
    expect(first.bootId).toMatch(/^[0-9a-f-]{36}$/);

    const echo = probeFromClient(tb, ['echo', tb.guestIp, '7', 'havoc-echo-check']);
    const echoed = (await echo.done).lines.at(-1) as { ok: boolean; reply?: string; error?: string };
    expect(echoed).toEqual({ ok: true, reply: 'havoc-echo-check' });

    const onDiskBefore = await diskCounter(tb);
    const later = await waitHttp(tb, 10_000);
    // An observer holding the second monitor must not block the VM layer's own QMP calls.
    const observer = await QmpClient.connect(vmPaths(spec.stateDir).observerSocket, { target: 'observer' });
    const status = await vmStatus(spec);
    expect(status).toMatchObject({ state: 'present', pid, status: 'running', running: true });
    expect(await observer.execute('query-status')).toMatchObject({ running: true });
    await observer.close();
    // The guest keeps writing: the counter on the disk passes what it held before.
    expect(onDiskBefore).toBeDefined();
    expect(await waitForDiskCounter(tb, onDiskBefore!, 10_000)).toBeGreaterThan(onDiskBefore!);
    expect(later.bootId).toBe(first.bootId);
    expect(later.counter).toBeGreaterThanOrEqual(first.counter);

    const stopped = await stopVm(spec);
    expect(stopped.how).toBe('quit');
    expect(await vmStatus(spec)).toEqual({ state: 'stopped' });
  });

  it('live-migrates between two host namespaces: same boot id, service answers, MAC learned on the new port', async () => {
    const source = vmSpecOn(tb, 0, image);
    const target = vmSpecOn(tb, 1, image);
    await startVm(source);
    const before = await waitHttp(tb, 60_000);

    const watcher = probeFromClient(tb, ['watch', guestUrl(tb), '20'], { stdinOpen: true });
    await waitForAnswers(watcher, 10, 'answers before the migration', 30_000);
    const result = await migrateVm(source, target, { address: tb.hosts[1]!.address, port: 49152 });
    // Keep probing after the migration, so a late outage or a second copy of the guest would show.
    await waitForAnswers(watcher, 50, 'answers after the migration', 30_000, watcher.lines.length);
    watcher.child.stdin?.end();
    const { lines } = await watcher.done;
    const summary = (
      lines.at(-1) as {
        summary: {
          longestGapMs: number;
          bootIds: string[];
          failures: number;
          samples: number;
          counterDecreases: unknown[];
        };
      }
    ).summary;
    console.log(
      `migration: QEMU downtime ${result.qemuDowntimeMs} ms, QEMU total ${result.qemuTotalTimeMs} ms, ` +
        `migrate->running ${Math.round(result.elapsedMs)} ms; client probe every 20 ms: longest gap ${Math.round(summary.longestGapMs)} ms, ` +
        `${summary.failures}/${summary.samples} failed`,
    );

    const after = await waitHttp(tb, 10_000);
    expect(after.bootId).toBe(before.bootId);
    expect(summary.bootIds).toEqual([before.bootId]);
    expect(summary.counterDecreases).toEqual([]);
    expect(await vmStatus(source)).toEqual({ state: 'stopped' });
    expect(await vmStatus(target)).toMatchObject({ state: 'present', running: true });

    expect(await switchPortOf(tb, tb.guestMac)).toBe('p-h2');

    // Back to host 1 with no client traffic at all: only the announcement QEMU
    // makes by itself after an incoming migration can move the switch's entry.
    await migrateVm(target, source, { address: tb.hosts[0]!.address, port: 49152 });
    const port = await waitForPort(tb, tb.guestMac, 'p-h1', 5_000);
    console.log(`after migrating back without traffic the switch forwards ${tb.guestMac} to ${port}`);
    expect((await waitHttp(tb, 10_000)).bootId).toBe(before.bootId);
    await stopVm(source);
  });

  it('a killed VM started on another host has a new boot id and continues the disk counter', async () => {
    const first = vmSpecOn(tb, 0, image);
    const second = vmSpecOn(tb, 1, image);
    await startVm(first);
    const before = await waitHttp(tb, 60_000);
    // Killed only once the disk holds a write newer than the answer, so the next boot has something to continue.
    await waitForDiskCounter(tb, before.counter, 10_000);
    await killVm(first);
    const lastWritten = await diskCounter(tb);
    expect(lastWritten).toBeGreaterThan(before.counter);

    await startVm(second);
    const after = await waitHttp(tb, 60_000);
    expect(after.bootId).not.toBe(before.bootId);
    expect(after.counter).toBeGreaterThan(lastWritten!);
    expect(await diskCounter(tb)).toBeGreaterThanOrEqual(after.counter);
    await stopVm(second);
    await stopVm(first); // removes the tap the killed QEMU left behind
  });
});
