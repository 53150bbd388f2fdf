import { abortableSleep, deadlineSignal, monotonicMs } from '../../core/deadline.js';
import { HavocError } from '../../core/errors.js';
import type { QmpClient } from '../../protocols/qmp/client.js';
import { connectVm, startVm, stopVm, type VmCallOptions } from './qemuProcess.js';
import type { VmSpec } from './vmSpec.js';

/** The fields of QMP query-migrate that matter here (QEMU 7.2 names). */
export interface MigrationInfo {
  status?: string;
  'total-time'?: number;
  downtime?: number;
  'setup-time'?: number;
  'error-desc'?: string;
  ram?: { transferred?: number; remaining?: number; total?: number; 'dirty-sync-count'?: number };
}

export interface MigrationResult {
  /** What QEMU says the guest was paused for; the outage a client sees is longer (see DESIGN.md). */
  qemuDowntimeMs: number | undefined;
  qemuTotalTimeMs: number | undefined;
  /** Monotonic time from `migrate` to the target reporting running. */
  elapsedMs: number;
  transferredBytes: number | undefined;
}

/** Lab LAN speed: QEMU 7.2 defaults max-bandwidth to 32 MiB/s, which only slows a lab migration down. */
export const LAB_MIGRATION_BANDWIDTH = 1024 * 1024 * 1024;

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

/** Polls query-migrate on the source until the migration ends; throws with QEMU's reason when it failed. */
export async function waitMigrationEnd(
  source: QmpClient,
  what: string,
  signal: AbortSignal,
): Promise<MigrationInfo> {
  for (;;) {
    const info = await source.execute<MigrationInfo>('query-migrate', undefined, { signal });
    if (info.status && TERMINAL.has(info.status)) {
      if (info.status !== 'completed') {
        throw new HavocError(
          'migration-failed',
          `${what}: migration ${info.status}: ${info['error-desc'] ?? 'no reason given'}`,
        );
      }
      return info;
    }
    await abortableSleep(50, signal);
  }
}

/** Polls query-status on the target until the guest runs. */
export async function waitRunning(target: QmpClient, signal: AbortSignal): Promise<void> {
  for (;;) {
    const status = await target.execute<{ status: string; running: boolean }>('query-status', undefined, {
      signal,
    });
    if (status.running) return;
    if (
      status.status === 'shutdown' ||
      status.status === 'internal-error' ||
      status.status === 'guest-panicked'
    ) {
      throw new HavocError(
        'migration-failed',
        `${target.target} is ${status.status} instead of running after migration`,
      );
    }
    await abortableSleep(20, signal);
  }
}

export interface MigrateOptions extends VmCallOptions {
  /** Target host's address on the migration network, as seen from the source host. */
  address: string;
  port: number;
  bandwidth?: number;
}

/**
 * Live-migrates a running VM between two hosts of the lab: starts the target
 * QEMU with `-incoming defer`, lets it listen on the migration address, sends
 * the state from the source, waits until the target runs, then quits the
 * source (which otherwise stays paused, holding its tap). On failure the
 * target is stopped and the source keeps the VM (QEMU resumes it).
 *
 * QEMU announces the guest's MAC from the target itself after an incoming
 * migration (self-announce RARPs), so bridges learn the new port without help.
 */
export async function migrateVm(
  source: VmSpec,
  target: VmSpec,
  opts: MigrateOptions,
): Promise<MigrationResult> {
  const what = `migrating VM ${source.name} from ${source.netns ?? 'here'} to ${target.netns ?? 'here'}`;
  const signal = deadlineSignal(opts.timeoutMs ?? 120_000, what, opts.signal);
  const uri = `tcp:${opts.address}:${opts.port}`;
  await startVm(target, { incoming: 'defer', signal });
  let targetQmp: QmpClient | undefined;
  let sourceQmp: QmpClient | undefined;
  try {
    targetQmp = await connectVm(target, { signal });
    sourceQmp = await connectVm(source, { signal });
    await targetQmp.execute('migrate-incoming', { uri }, { signal });
    await sourceQmp.execute(
      'migrate-set-parameters',
      { 'max-bandwidth': opts.bandwidth ?? LAB_MIGRATION_BANDWIDTH },
      { signal },
    );
    const started = monotonicMs();
    await sourceQmp.execute('migrate', { uri }, { signal });
    const info = await waitMigrationEnd(sourceQmp, what, signal);
    await waitRunning(targetQmp, signal);
    const elapsedMs = monotonicMs() - started;
    await sourceQmp.close();
    sourceQmp = undefined;
    await stopVm(source, { signal });
    return {
      qemuDowntimeMs: info.downtime,
      qemuTotalTimeMs: info['total-time'],
      elapsedMs,
      transferredBytes: info.ram?.transferred,
    };
  } catch (err) {
    await targetQmp?.close().catch(() => undefined);
    targetQmp = undefined;
    await stopVm(target, { timeoutMs: 20_000 }).catch(() => undefined);
    throw err;
  } finally {
    await sourceQmp?.close().catch(() => undefined);
    await targetQmp?.close().catch(() => undefined);
  }
}
