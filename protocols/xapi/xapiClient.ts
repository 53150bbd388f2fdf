import { deadlineSignal } from '../../core/deadline.js';
import { HavocError } from '../../core/errors.js';
import type { Redactor } from '../../core/redact.js';
import {
  type HostLiveness,
  type PoolHa,
  parseHostRecords,
  parseJsonRpcResponse,
  parsePoolRecords,
} from './xapiRecords.js';

export interface XapiTarget {
  /** The pool master's JSON-RPC endpoint, e.g. https://xen1.example/jsonrpc. */
  url: string;
  username: string;
  password: string;
}

export interface XapiCallOptions {
  signal: AbortSignal;
  /** Deadline for the whole read (login, calls, logout). */
  timeoutMs: number;
  /** Injected for tests and for TLS-pinned agents; defaults to the global fetch. */
  fetch?: typeof fetch;
  /** Learns the session reference as a secret: whoever holds it is logged in. */
  redactor: Redactor;
}

export interface PoolHaSnapshot {
  pool: PoolHa;
  hosts: HostLiveness[];
}

const API_VERSION = '1.0';
const ORIGINATOR = 'havoc';

async function call(
  target: XapiTarget,
  method: string,
  params: unknown[],
  id: number,
  signal: AbortSignal,
  doFetch: typeof fetch,
): Promise<unknown> {
  let res: Response;
  try {
    res = await doFetch(target.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', method, params, id }),
      signal,
    });
  } catch (err) {
    if (signal.aborted && signal.reason instanceof Error) throw signal.reason;
    throw new HavocError(
      'xapi-unreachable',
      `XAPI ${method} to ${target.url} failed: ${(err as Error).message}`,
      {
        target: target.url,
        cause: err,
      },
    );
  }
  let body: string;
  try {
    body = await res.text();
  } catch (err) {
    if (signal.aborted && signal.reason instanceof Error) throw signal.reason;
    throw err;
  }
  if (!res.ok) {
    throw new HavocError('xapi-protocol', `XAPI ${method} to ${target.url}: HTTP ${res.status}`, {
      target: target.url,
      hint: 'XAPI answers HTTP 500 to malformed requests; check the URL ends in /jsonrpc',
    });
  }
  return parseJsonRpcResponse(body, method, target.url);
}

/**
 * Logs in, reads pool HA state and host liveness, and always logs out again
 * (XAPI keeps a limited number of sessions per user; leaking them locks out
 * the next login).
 */
export async function readPoolHa(target: XapiTarget, opts: XapiCallOptions): Promise<PoolHaSnapshot> {
  const signal = deadlineSignal(opts.timeoutMs, `XAPI pool HA read from ${target.url}`, opts.signal);
  const doFetch = opts.fetch ?? fetch;
  let id = 0;
  const session = await call(
    target,
    'session.login_with_password',
    [target.username, target.password, API_VERSION, ORIGINATOR],
    id++,
    signal,
    doFetch,
  );
  if (typeof session !== 'string' || !session.startsWith('OpaqueRef:')) {
    throw new HavocError(
      'xapi-protocol',
      `XAPI session.login_with_password: expected an OpaqueRef, got ${JSON.stringify(session)}`,
    );
  }
  opts.redactor.add(session);
  try {
    const pools = await call(target, 'pool.get_all_records', [session], id++, signal, doFetch);
    const hosts = await call(target, 'host.get_all_records', [session], id++, signal, doFetch);
    const metrics = await call(target, 'host_metrics.get_all_records', [session], id++, signal, doFetch);
    const pool = parsePoolRecords(pools);
    return { pool, hosts: parseHostRecords(hosts, metrics, pool.masterRef) };
  } finally {
    // Logout gets its own short deadline so it still runs after the main one expired.
    const logoutSignal = AbortSignal.timeout(Math.min(5_000, Math.max(1_000, opts.timeoutMs)));
    // Once logged out the reference no longer logs anyone in; forgetting it keeps the redactor from growing.
    await call(target, 'session.logout', [session], id++, logoutSignal, doFetch).then(
      () => opts.redactor.forget(session),
      () => undefined,
    );
  }
}
