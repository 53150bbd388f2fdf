import { deadlineSignal } from '../core/deadline.js';
import { errorMessage } from '../core/errors.js';
import type { HostConfig } from '../inventory/schema.js';
import { sshLoginOf } from '../inventory/ssh-login.js';
import { SshPool } from '../protocols/ssh/index.js';

/** One look may take this long: a host whose NICs are down never completes the TCP handshake. */
const LOOK_MS = 5_000;

/**
 * Does the host's sshd answer a fresh login now? A new connection each time,
 * not the fault context's pooled one: a pooled connection may still look
 * alive for a while after the host died, and its reconnect backoff would make
 * a host that is back look dead.
 */
export async function sshAnswers(
  host: HostConfig,
  signal: AbortSignal,
): Promise<{ answered: boolean; detail: string }> {
  const pool = new SshPool({ connectTimeoutMs: LOOK_MS, backoff: { initialMs: 0, maxMs: 0 } });
  try {
    await pool.exec(sshLoginOf(host), 'true', {
      signal: deadlineSignal(LOOK_MS, `SSH to ${host.name}`, signal),
      what: `SSH look at ${host.name}`,
    });
    return { answered: true, detail: 'answered' };
  } catch (err) {
    if (signal.aborted) throw err;
    return { answered: false, detail: errorMessage(err) };
  } finally {
    pool.close();
  }
}
