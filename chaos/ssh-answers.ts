import { connect } from 'node:net';
import { deadlineSignal } from '../core/deadline.js';
import { errorMessage } from '../core/errors.js';
import type { HostConfig } from '../inventory/schema.js';
import { sshLoginOf } from '../inventory/ssh-login.js';
import { type ExecResult, SshPool } from '../protocols/ssh/index.js';

/** One look may take this long: a host whose NICs are down never completes the TCP handshake. */
const LOOK_MS = 5_000;

/**
 * Runs one command over a fresh SSH login (a new connection, closed after):
 * an observation independent of the fault context's pooled connection, which
 * may still look alive for a while after the host died, and whose reconnect
 * backoff would make a host that is back look dead. Throws when the host
 * does not answer or the command fails (unless allowFailure).
 */
export async function freshSshExec(
  host: HostConfig,
  command: string,
  signal: AbortSignal,
  o: { allowFailure?: boolean; timeoutMs?: number } = {},
): Promise<ExecResult> {
  const ms = o.timeoutMs ?? LOOK_MS;
  const pool = new SshPool({ connectTimeoutMs: Math.min(ms, LOOK_MS), backoff: { initialMs: 0, maxMs: 0 } });
  try {
    return await pool.exec(sshLoginOf(host), command, {
      signal: deadlineSignal(ms, `SSH to ${host.name}`, signal),
      what: `SSH look at ${host.name}`,
      ...(o.allowFailure ? { allowFailure: true } : {}),
    });
  } finally {
    pool.close();
  }
}

/**
 * Does the host's sshd answer a fresh login now? A login (key exchange,
 * host key, authentication) and nothing more: a command would also run the
 * login shell's rc files, whose slowness (a stale lock in one) says nothing
 * about whether the host is up.
 */
export async function sshAnswers(
  host: HostConfig,
  signal: AbortSignal,
): Promise<{ answered: boolean; detail: string }> {
  const pool = new SshPool({ connectTimeoutMs: LOOK_MS, backoff: { initialMs: 0, maxMs: 0 } });
  try {
    await pool.login(sshLoginOf(host), deadlineSignal(LOOK_MS, `SSH to ${host.name}`, signal));
    return { answered: true, detail: 'answered' };
  } catch (err) {
    if (signal.aborted) throw err;
    return { answered: false, detail: errorMessage(err) };
  } finally {
    pool.close();
  }
}

export interface SshPortLook {
  /**
   * banner: sshd speaks; silent: the kernel completed the handshake and
   * nothing answered; closed: something closed it without a banner;
   * unreachable: no handshake.
   */
  state: 'banner' | 'silent' | 'closed' | 'unreachable';
  detail: string;
}

/**
 * A TCP connection to the host's SSH port, waiting for the server's banner.
 * A host whose processes are frozen still has a kernel that completes the
 * handshake (from the listen backlog) while sshd never speaks: powered and
 * alive, yet hung, unlike a host that is off or crashed (no handshake).
 */
export function sshPortLook(host: HostConfig, signal: AbortSignal, ms = LOOK_MS): Promise<SshPortLook> {
  const port = host.ssh?.port ?? 22;
  const where = `${host.address}:${port}`;
  return new Promise((resolve, reject) => {
    let connected = false;
    const socket = connect({ host: host.address, port });
    const done = (look: SshPortLook) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(look);
    };
    const onAbort = () => {
      clearTimeout(timer);
      socket.destroy();
      reject(signal.reason);
    };
    const timer = setTimeout(
      () =>
        done(
          connected
            ? { state: 'silent', detail: `TCP ${where} connected, no SSH banner within ${ms} ms` }
            : { state: 'unreachable', detail: `TCP ${where}: no handshake within ${ms} ms` },
        ),
      ms,
    );
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => {
      connected = true;
    });
    socket.once('data', (d: Buffer) =>
      done({
        state: 'banner',
        detail: `TCP ${where}: ${d.toString('latin1').split('\r\n')[0]!.slice(0, 80)}`,
      }),
    );
    socket.once('error', (err) => done({ state: 'unreachable', detail: `TCP ${where}: ${err.message}` }));
    socket.once('end', () => done({ state: 'closed', detail: `TCP ${where}: closed without a banner` }));
  });
}
