import { mkdir, readFile, rm } from 'node:fs/promises';
import { abortableSleep, deadlineSignal, monotonicMs } from '../../core/deadline.js';
import { HavocError } from '../../core/errors.js';
import { QmpClient } from '../../protocols/qmp/client.js';
import { runCommand } from './hostCommand.js';
import { type QemuLaunch, qemuArgs } from './qemuArgs.js';
import { assertValidVmSpec, type VmSpec, vmPaths } from './vmSpec.js';

export interface VmCallOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface StartedVm {
  pid: number;
  qmpSocket: string;
}

export type VmState =
  | { state: 'stopped' }
  /** QEMU runs; `status` is QMP's RunState: running, paused, inmigrate, postmigrate, ... */
  | { state: 'present'; pid: number; status: string; running: boolean }
  /** The process is ours and alive but its monitor did not answer. */
  | { state: 'unresponsive'; pid: number; reason: string };

async function readPid(pidFile: string): Promise<number | undefined> {
  const text = await readFile(pidFile, 'utf8').catch(() => undefined);
  const pid = Number(text?.trim());
  return Number.isInteger(pid) && pid > 1 ? pid : undefined;
}

/**
 * True if `pid` is alive, not a zombie, and is the QEMU of this state dir
 * (its command line names our QMP socket): a PID recycled by another program
 * must never be signalled.
 */
export async function isOurQemu(pid: number, qmpSocket: string): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (!stat) return false;
  // Field 3, after the parenthesised command name (which may itself contain spaces or parentheses).
  if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return false;
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  return cmdline.split('\0').some((arg) => arg.includes(qmpSocket));
}

/** PID of the QEMU recorded in the state dir, if that process is still ours and alive. */
export async function runningPid(spec: Pick<VmSpec, 'stateDir'>): Promise<number | undefined> {
  const paths = vmPaths(spec.stateDir);
  const pid = await readPid(paths.pidFile);
  return pid !== undefined && (await isOurQemu(pid, paths.qmpSocket)) ? pid : undefined;
}

async function ensureTap(spec: VmSpec, signal: AbortSignal): Promise<void> {
  const opts = { netns: spec.netns, signal };
  // A tap left by a QEMU that was killed is reused; QEMU opens it by name.
  const existing = await runCommand(['ip', '-o', 'link', 'show', 'dev', spec.tap], opts).catch(() => '');
  if (existing === '') await runCommand(['ip', 'tuntap', 'add', 'dev', spec.tap, 'mode', 'tap'], opts);
  try {
    await runCommand(['ip', 'link', 'set', 'dev', spec.tap, 'master', spec.bridge], opts);
  } catch (err) {
    throw new HavocError(
      'vm-network',
      `cannot attach tap ${spec.tap} of VM ${spec.name} to bridge ${spec.bridge}`,
      {
        target: spec.name,
        hint: `does bridge ${spec.bridge} exist${spec.netns ? ` in netns ${spec.netns}` : ''}? (${(err as Error).message})`,
      },
    );
  }
  await runCommand(['ip', 'link', 'set', 'dev', spec.tap, 'up'], opts);
}

async function removeTap(spec: VmSpec, signal: AbortSignal): Promise<void> {
  const opts = { netns: spec.netns, signal };
  const existing = await runCommand(['ip', '-o', 'link', 'show', 'dev', spec.tap], opts).catch(() => '');
  if (existing !== '') await runCommand(['ip', 'link', 'del', 'dev', spec.tap], opts);
}

/**
 * Starts QEMU for `spec` (detached with -daemonize, PID in the state dir's
 * pidfile) on a tap in the host's bridge and the VM's NBD disk. With
 * `incoming`, QEMU waits for a migration stream instead of booting.
 * Resolves once QEMU has daemonized, i.e. its QMP socket accepts clients.
 */
export async function startVm(spec: VmSpec, launch: QemuLaunch & VmCallOptions = {}): Promise<StartedVm> {
  assertValidVmSpec(spec);
  const paths = vmPaths(spec.stateDir);
  const signal = deadlineSignal(launch.timeoutMs ?? 60_000, `starting VM ${spec.name}`, launch.signal);
  const already = await runningPid(spec);
  if (already !== undefined) {
    throw new HavocError(
      'vm-running',
      `VM ${spec.name} already runs here (QEMU PID ${already}, state ${spec.stateDir})`,
      {
        target: spec.name,
        hint: 'stop it first',
      },
    );
  }
  await mkdir(spec.stateDir, { recursive: true });
  await rm(paths.qmpSocket, { force: true });
  await rm(paths.observerSocket, { force: true });
  await rm(paths.pidFile, { force: true });
  await ensureTap(spec, signal);
  const launchOpts: QemuLaunch = launch.incoming ? { incoming: launch.incoming } : {};
  try {
    await runCommand(qemuArgs(spec, launchOpts), { netns: spec.netns, signal });
  } catch (err) {
    await removeTap(spec, AbortSignal.timeout(10_000)).catch(() => undefined);
    throw new HavocError('vm-start', `QEMU for VM ${spec.name} did not start: ${(err as Error).message}`, {
      target: spec.name,
      hint: `is the NBD export ${spec.nbd.export} at ${spec.nbd.host}:${spec.nbd.port} reachable${spec.netns ? ` from netns ${spec.netns}` : ''}?`,
    });
  }
  const pid = await readPid(paths.pidFile);
  if (pid === undefined)
    throw new HavocError(
      'vm-start',
      `QEMU for VM ${spec.name} daemonized but wrote no pidfile ${paths.pidFile}`,
    );
  return { pid, qmpSocket: paths.qmpSocket };
}

/** Opens a QMP connection to the VM's QEMU; the caller closes it. */
export function connectVm(
  spec: Pick<VmSpec, 'name' | 'stateDir'>,
  opts: VmCallOptions = {},
): Promise<QmpClient> {
  return QmpClient.connect(vmPaths(spec.stateDir).qmpSocket, {
    target: `VM ${spec.name} (${spec.stateDir})`,
    timeoutMs: opts.timeoutMs ?? 5_000,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
}

/** Runs one QMP command on a fresh connection (QEMU's monitor takes one client at a time). */
export async function vmCommand<T = unknown>(
  spec: Pick<VmSpec, 'name' | 'stateDir'>,
  command: string,
  args?: Record<string, unknown>,
  opts: VmCallOptions = {},
): Promise<T> {
  const client = await connectVm(spec, opts);
  try {
    return await client.execute<T>(command, args, opts);
  } finally {
    await client.close();
  }
}

/** What runs for this spec here: nothing, a QEMU in some run state, or a QEMU whose monitor does not answer. */
export async function vmStatus(
  spec: Pick<VmSpec, 'name' | 'stateDir'>,
  opts: VmCallOptions = {},
): Promise<VmState> {
  const pid = await runningPid(spec);
  if (pid === undefined) return { state: 'stopped' };
  try {
    const status = await vmCommand<{ status: string; running: boolean }>(spec, 'query-status', undefined, {
      timeoutMs: opts.timeoutMs ?? 5_000,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    return { state: 'present', pid, status: status.status, running: status.running };
  } catch (err) {
    return { state: 'unresponsive', pid, reason: (err as Error).message };
  }
}

async function waitGone(pid: number, qmpSocket: string, ms: number, signal: AbortSignal): Promise<boolean> {
  const until = monotonicMs() + ms;
  while (monotonicMs() < until) {
    if (!(await isOurQemu(pid, qmpSocket))) return true;
    await abortableSleep(50, signal);
  }
  return !(await isOurQemu(pid, qmpSocket));
}

/**
 * Stops the VM's QEMU: QMP quit, then SIGTERM, then SIGKILL, each only to the
 * recorded PID after checking it is still ours. Removes the tap. Succeeds when
 * nothing runs (stop is idempotent, as OCF requires).
 */
export async function stopVm(
  spec: VmSpec,
  opts: VmCallOptions & { graceMs?: number } = {},
): Promise<{ how: string }> {
  const paths = vmPaths(spec.stateDir);
  const signal = deadlineSignal(opts.timeoutMs ?? 30_000, `stopping VM ${spec.name}`, opts.signal);
  const grace = opts.graceMs ?? 5_000;
  const pid = await runningPid(spec);
  let how = 'not running';
  if (pid !== undefined) {
    how = 'quit';
    try {
      await vmCommand(spec, 'quit', undefined, { signal, timeoutMs: 3_000 });
    } catch {
      // An unresponsive monitor is what the signals below are for.
    }
    if (!(await waitGone(pid, paths.qmpSocket, grace, signal))) {
      how = 'SIGTERM';
      process.kill(pid, 'SIGTERM');
      if (!(await waitGone(pid, paths.qmpSocket, grace, signal))) {
        how = 'SIGKILL';
        process.kill(pid, 'SIGKILL');
        if (!(await waitGone(pid, paths.qmpSocket, grace, signal))) {
          throw new HavocError('vm-stop', `QEMU PID ${pid} of VM ${spec.name} survived SIGKILL`, {
            target: spec.name,
          });
        }
      }
    }
  }
  await removeTap(spec, signal);
  await rm(paths.qmpSocket, { force: true });
  await rm(paths.observerSocket, { force: true });
  await rm(paths.pidFile, { force: true });
  return { how };
}

/** SIGKILLs the VM's QEMU (a crash, for chaos and tests); leaves the tap for the next start to reuse. */
export async function killVm(spec: VmSpec, opts: VmCallOptions = {}): Promise<number | undefined> {
  const pid = await runningPid(spec);
  if (pid === undefined) return undefined;
  process.kill(pid, 'SIGKILL');
  const signal = deadlineSignal(opts.timeoutMs ?? 10_000, `killing VM ${spec.name}`, opts.signal);
  if (!(await waitGone(pid, vmPaths(spec.stateDir).qmpSocket, 10_000, signal))) {
    throw new HavocError('vm-stop', `QEMU PID ${pid} of VM ${spec.name} survived SIGKILL`, {
      target: spec.name,
    });
  }
  return pid;
}
