import { deadlineSignal } from '../core/deadline.js';
import type { HostConfig } from '../inventory/schema.js';
import { sshLoginOf } from '../inventory/ssh-login.js';
import { QmpClient } from '../protocols/qmp/client.js';
import type { FaultContext } from './fault.js';
import { onHost } from './host-network.js';
import { parseQemuScan, QEMU_SCAN_SH } from './qemu-scan.js';

/*
 * Inventory VMs that run as bare QEMUs (havoc's ocf:havoc:qemu-vm agent),
 * which virsh does not know: found by the QEMU scan, reached by QMP over an
 * SSH channel to the first -qmp socket. That one is the agent's, held for one
 * action at a time (a connection waits for its greeting meanwhile); the QMP
 * watcher holds the last, for the whole run.
 */

/** Deadline of one QMP exchange (the greeting included: the agent may hold the socket for a monitor). */
const QMP_MS = 8_000;

export interface QemuVm {
  host: string;
  vm: string;
  pid: number;
  socket: string;
}

/** The VMs among `vms` that run on `host` as QEMUs with a QMP socket. */
export async function qemuVmsOn(
  ctx: FaultContext,
  host: HostConfig,
  vms: ReadonlySet<string>,
): Promise<QemuVm[]> {
  const r = await onHost(ctx, host, QEMU_SCAN_SH, 'the QEMU scan', { allowFailure: true });
  return parseQemuScan(r.stdout).flatMap((q) =>
    q.name !== undefined && vms.has(q.name) && q.qmpSockets[0] !== undefined
      ? [{ host: host.name, vm: q.name, pid: q.pid, socket: q.qmpSockets[0] }]
      : [],
  );
}

/** One QMP command to the VM's QEMU; the connection is closed after it. */
export async function qmpCommand<T = unknown>(
  ctx: FaultContext,
  host: HostConfig,
  q: QemuVm,
  command: string,
): Promise<T> {
  const what = `VM ${q.vm} (QEMU PID ${q.pid}) on ${host.name}`;
  const signal = deadlineSignal(QMP_MS, `QMP ${command} to ${what}`, ctx.signal);
  const channel = await ctx.ssh.openStreamLocal(sshLoginOf(host), q.socket, signal);
  const client = await QmpClient.over(channel, `${host.name}:${q.socket}`, { target: what, signal });
  try {
    return await client.execute<T>(command, undefined, { signal });
  } finally {
    await client.close().catch(() => client.destroy());
  }
}

/** QMP's run state in the words `virsh domstate --reason` uses for the same state. */
export function domstateOfRunState(status: string): string {
  if (status === 'running') return 'running (unpaused)';
  if (status === 'io-error') return 'paused (I/O error)';
  return `paused (${status})`;
}
