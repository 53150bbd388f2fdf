import { deadlineSignal } from '../core/deadline.js';
import type { HostConfig } from '../inventory/schema.js';
import type { FaultContext } from './fault.js';
import { onHost } from './host-network.js';
import { parseQemuScan, QEMU_SCAN_SH } from './qemu-scan.js';
import { openQmpOnHost } from './qmp-on-host.js';

/*
 * Inventory VMs that run as bare QEMUs (havoc's ocf:havoc:qemu-vm agent, no
 * libvirtd, so virsh does not know them), as a fault reads and drives them:
 * found by the one QEMU scan, one QMP command per connection on the FIRST
 * -qmp socket. That is the agent's, which it holds only for an action (its
 * monitor: a few ms every 5 s in the lab; a connection meanwhile waits for
 * its greeting); the last is the QMP watcher's, held for a whole run.
 */

/** One QMP exchange, the greeting included (it waits while the agent holds the socket for its monitor). */
const QMP_MS = 10_000;

export interface BareQemu {
  host: string;
  vm: string;
  pid: number;
  socket: string;
}

/** The VMs among `vms` that run on `host` as QEMUs with a QMP socket. */
export async function bareQemusOn(
  ctx: FaultContext,
  host: HostConfig,
  vms: ReadonlySet<string>,
): Promise<BareQemu[]> {
  const r = await onHost(ctx, host, QEMU_SCAN_SH, 'the QEMU scan');
  const bySocket = new Map<string, BareQemu>();
  for (const q of parseQemuScan(r.stdout)) {
    const socket = q.qmpSockets[0];
    // `qemu -daemonize` shows two processes with one command line until its launcher exits: one QEMU.
    if (q.name === undefined || !vms.has(q.name) || socket === undefined || bySocket.has(socket)) continue;
    bySocket.set(socket, { host: host.name, vm: q.name, pid: q.pid, socket });
  }
  return [...bySocket.values()];
}

/** One QMP command to the VM's QEMU on a fresh connection, closed after it; QEMU's error is thrown. */
export async function qemuCommand<T = unknown>(
  ctx: FaultContext,
  host: HostConfig,
  q: BareQemu,
  command: string,
): Promise<T> {
  const what = `VM ${q.vm} (QEMU PID ${q.pid}) on ${host.name}`;
  const signal = deadlineSignal(QMP_MS, `QMP ${command} to ${what}`, ctx.signal);
  const client = await openQmpOnHost(ctx.ssh, host, q.socket, what, signal);
  try {
    return await client.execute<T>(command, undefined, { signal });
  } finally {
    await client.close().catch(() => client.destroy());
  }
}
