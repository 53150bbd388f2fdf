import type { HostConfig } from '../inventory/schema.js';
import { sshLoginOf } from '../inventory/ssh-login.js';
import { QmpClient } from '../protocols/qmp/client.js';
import type { SshPool } from '../protocols/ssh/index.js';

/**
 * A QMP connection to a unix socket of a QEMU on a host, through an SSH
 * channel to the socket (direct-streamlocal: sshd connects, nothing runs on
 * the host). The one way chaos reaches a host's QEMU monitor: the QMP
 * watcher holds one for a QEMU's life, storage-loss opens one per command.
 * `signal` bounds the channel, the greeting and qmp_capabilities.
 */
export async function openQmpOnHost(
  pool: SshPool,
  host: HostConfig,
  socket: string,
  what: string,
  signal: AbortSignal,
): Promise<QmpClient> {
  const channel = await pool.openStreamLocal(sshLoginOf(host), socket, signal);
  return QmpClient.over(channel, `${host.name}:${socket}`, { target: what, signal });
}
