import { deadlineSignal } from '../../core/deadline.js';
import { HavocError } from '../../core/errors.js';
import type { Redactor } from '../../core/redact.js';
import { HttpTransport, type TlsOptions } from '../http/transport.js';
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
  /** caFile for a pool master with its own (by default self-signed) certificate, or knowingly insecureTls. */
  tls?: TlsOptions;
}

export interface XapiCallOptions {
  signal: AbortSignal;
  /** Deadline for the whole read (login, calls, logout). */
  timeoutMs: number;
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
  http: HttpTransport,
): Promise<unknown> {
  // The transport's errors name the pool master and say what to do (TLS not trusted, refused, unreachable).
  const res = await http.request(
    {
      method: 'POST',
      url: target.url,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', method, params, id }),
    },
    signal,
  );
  if (res.status < 200 || res.status > 299) {
    throw new HavocError('xapi-protocol', `XAPI ${method} to ${target.url}: HTTP ${res.status}`, {
      target: target.url,
      hint: 'XAPI answers HTTP 500 to malformed requests; check the URL ends in /jsonrpc',
    });
  }
  return parseJsonRpcResponse(res.text, method, target.url);
}

/** Calls within one logged-in session; the session reference is added as the first parameter. */
export type XapiSessionCall = (method: string, ...params: unknown[]) => Promise<unknown>;

/**
 * Logs in, runs `work` with calls in that session, and always logs out again
 * (XAPI keeps a limited number of sessions per user; leaking them locks out
 * the next login).
 */
export async function withXapiSession<T>(
  target: XapiTarget,
  opts: XapiCallOptions,
  what: string,
  work: (call: XapiSessionCall) => Promise<T>,
): Promise<T> {
  const signal = deadlineSignal(opts.timeoutMs, `${what} (XAPI ${target.url})`, opts.signal);
  const http = new HttpTransport(
    target.url,
    `XAPI pool master ${target.url} (user ${target.username})`,
    target.tls,
  );
  let id = 0;
  const session = await call(
    target,
    'session.login_with_password',
    [target.username, target.password, API_VERSION, ORIGINATOR],
    id++,
    signal,
    http,
  ).catch((err: unknown) => {
    http.close();
    throw err;
  });
  if (typeof session !== 'string' || !session.startsWith('OpaqueRef:')) {
    http.close();
    throw new HavocError(
      'xapi-protocol',
      `XAPI session.login_with_password: expected an OpaqueRef, got ${JSON.stringify(session)}`,
    );
  }
  opts.redactor.add(session);
  try {
    return await work((method, ...params) => call(target, method, [session, ...params], id++, signal, http));
  } finally {
    // Logout gets its own short deadline so it still runs after the main one expired.
    const logoutSignal = AbortSignal.timeout(Math.min(5_000, Math.max(1_000, opts.timeoutMs)));
    // Once logged out the reference no longer logs anyone in; forgetting it keeps the redactor from growing.
    await call(target, 'session.logout', [session], id++, logoutSignal, http).then(
      () => opts.redactor.forget(session),
      () => undefined,
    );
    http.close();
  }
}

/** Reads pool HA state and host liveness in one session. */
export function readPoolHa(target: XapiTarget, opts: XapiCallOptions): Promise<PoolHaSnapshot> {
  return withXapiSession(target, opts, 'XAPI pool HA read', async (call) => {
    const pools = await call('pool.get_all_records');
    const hosts = await call('host.get_all_records');
    const metrics = await call('host_metrics.get_all_records');
    const pool = parsePoolRecords(pools);
    return { pool, hosts: parseHostRecords(hosts, metrics, pool.masterRef) };
  });
}
