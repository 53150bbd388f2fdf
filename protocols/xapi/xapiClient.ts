import { deadlineSignal } from '../../core/deadline.js';
import { HavocError } from '../../core/errors.js';
import type { Redactor } from '../../core/redact.js';
import { HttpTransport, type TlsOptions } from '../http/transport.js';
import {
  type HostLiveness,
  type PoolHa,
  parseHostNames,
  parseHostRecords,
  parseJsonRpcResponse,
  parsePoolRecords,
  parsePoolStatefiles,
  parseStatefileSrs,
  parseVmMemory,
  type StatefileSr,
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
 * A logged-in XAPI session on one HTTP connection: login once, any number of
 * calls (a watcher's event.from long polls), and always a logout (XAPI keeps
 * a limited number of sessions per user; leaking them locks out the next
 * login). The session reference is learnt by the redactor, as a secret.
 */
export class XapiSession {
  private id = 1;

  private constructor(
    readonly target: XapiTarget,
    private readonly http: HttpTransport,
    private readonly ref: string,
    private readonly redactor: Redactor,
  ) {}

  static async login(target: XapiTarget, signal: AbortSignal, redactor: Redactor): Promise<XapiSession> {
    const http = new HttpTransport(
      target.url,
      `XAPI pool master ${target.url} (user ${target.username})`,
      target.tls,
    );
    const session = await call(
      target,
      'session.login_with_password',
      [target.username, target.password, API_VERSION, ORIGINATOR],
      0,
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
    redactor.add(session);
    return new XapiSession(target, http, session, redactor);
  }

  /** Calls `method` with the session reference as its first parameter. */
  call(method: string, params: unknown[], signal: AbortSignal): Promise<unknown> {
    return call(this.target, method, [this.ref, ...params], this.id++, signal, this.http);
  }

  /** Logs out (with its own short deadline, so it runs after the caller's expired) and closes the connection. */
  async logout(timeoutMs = 5_000): Promise<void> {
    const signal = AbortSignal.timeout(Math.min(5_000, Math.max(1_000, timeoutMs)));
    // Once logged out the reference no longer logs anyone in; forgetting it keeps the redactor from growing.
    await call(this.target, 'session.logout', [this.ref], this.id++, signal, this.http).then(
      () => this.redactor.forget(this.ref),
      () => undefined,
    );
    this.http.close();
  }
}

/** Logs in, reads pool HA state and host liveness, and always logs out again. */
export async function readPoolHa(target: XapiTarget, opts: XapiCallOptions): Promise<PoolHaSnapshot> {
  const signal = deadlineSignal(opts.timeoutMs, `XAPI pool HA read from ${target.url}`, opts.signal);
  const session = await XapiSession.login(target, signal, opts.redactor);
  try {
    const pools = await session.call('pool.get_all_records', [], signal);
    const hosts = await session.call('host.get_all_records', [], signal);
    const metrics = await session.call('host_metrics.get_all_records', [], signal);
    const pool = parsePoolRecords(pools);
    return { pool, hosts: parseHostRecords(hosts, metrics, pool.masterRef) };
  } finally {
    await session.logout(opts.timeoutMs);
  }
}

/**
 * Logs in, runs `work` with calls in that session, and always logs out again:
 * one session for a short piece of work (a planned action), on XapiSession.
 */
export async function withXapiSession<T>(
  target: XapiTarget,
  opts: XapiCallOptions,
  what: string,
  work: (call: XapiSessionCall) => Promise<T>,
): Promise<T> {
  const signal = deadlineSignal(opts.timeoutMs, `${what} (XAPI ${target.url})`, opts.signal);
  const session = await XapiSession.login(target, signal, opts.redactor);
  try {
    return await work((method, ...params) => session.call(method, params, signal));
  } finally {
    await session.logout(opts.timeoutMs);
  }
}

export interface PoolHaSetup {
  pool: PoolHa;
  /** Every host of the pool by name_label. */
  hosts: string[];
  statefileSrs: StatefileSr[];
  /** Guest VMs (no templates, snapshots or dom0) with their memory_static_max in MiB. */
  vms: { name: string; memoryMiB: number }[];
}

/** Logs in, reads the pool's HA configuration and where its statefile SRs are plugged, and logs out. */
export async function readPoolHaSetup(target: XapiTarget, opts: XapiCallOptions): Promise<PoolHaSetup> {
  return withXapiSession(target, opts, 'XAPI pool HA setup read', async (call) => {
    const pools = await call('pool.get_all_records');
    const pool = parsePoolRecords(pools);
    const hosts = parseHostNames(await call('host.get_all_records'));
    const vdis = [];
    for (const ref of parsePoolStatefiles(pools))
      vdis.push({ ref, record: await call('VDI.get_record', ref) });
    const statefileSrs = vdis.length
      ? parseStatefileSrs(
          vdis,
          await call('SR.get_all_records'),
          await call('PBD.get_all_records'),
          new Map(hosts.map((h) => [h.ref, h.nameLabel])),
        )
      : [];
    const vms = parseVmMemory(await call('VM.get_all_records')).map((v) => ({
      name: v.nameLabel,
      memoryMiB: v.memoryStaticMaxBytes / 2 ** 20,
    }));
    return { pool, hosts: hosts.map((h) => h.nameLabel), statefileSrs, vms };
  });
}
