import { SshPool } from '../../protocols/ssh/index.js';

/**
 * The SSH pool of a watcher that holds a channel per host for the whole run
 * (libvirt's event stream, QMP): after a power-off the host must be found
 * again within a second or two, not after the shared pool's backoff of up
 * to 30 s.
 */
export function streamWatchPool(): SshPool {
  return new SshPool({
    backoff: { initialMs: 0, maxMs: 0 },
    connectTimeoutMs: 5_000,
    keepaliveIntervalMs: 2_000,
  });
}
