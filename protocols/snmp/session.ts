import { setMaxListeners } from 'node:events';
import { isIPv6 } from 'node:net';
import snmp from 'net-snmp';
import { monotonicMs } from '../../core/deadline.js';
import { AuthError, HavocError, TimeoutError } from '../../core/errors.js';
import { Redactor } from '../../core/redact.js';
import {
  absorbBulkAnswer,
  columnGroups,
  pendingCursors,
  startCursors,
  WalkOrderError,
} from './column-walk.js';
import { errorStatusHint, errorStatusName, SnmpError } from './errors.js';
import { describeOid } from './oids.js';
import { RequestSlots } from './request-slots.js';
import type { RawVarbind } from './varbind-values.js';

export type SnmpAuthProtocol = 'md5' | 'sha' | 'sha224' | 'sha256' | 'sha384' | 'sha512';
export type SnmpPrivProtocol = 'des' | 'aes' | 'aes256b' | 'aes256r';

export type SnmpCredentials =
  | { version: '1' | '2c'; community: string }
  | {
      version: '3';
      user: string;
      /** Omitted: noAuthNoPriv. */
      auth?: { protocol: SnmpAuthProtocol; key: string };
      /** Omitted: authNoPriv (needs auth). */
      priv?: { protocol: SnmpPrivProtocol; key: string };
    };

export interface SnmpSessionOptions {
  host: string;
  port?: number;
  /** For messages: the inventory name of the switch. */
  name?: string;
  credentials: SnmpCredentials;
  /** Deadline of one operation (a get, a set, a whole table walk), on top of the caller's signal. */
  timeoutMs?: number;
  /** How long one datagram waits for its answer before it is sent again. */
  attemptTimeoutMs?: number;
  /** GETBULK max-repetitions; snmp_exporter's default is 25 too. */
  maxRepetitions?: number;
  /** Columns asked per GETBULK; with maxRepetitions 25, four fill snmpd's 100-varbind answers. */
  columnsPerRequest?: number;
  /** Requests in flight to this agent at once. */
  concurrency?: number;
}

export interface SnmpStats {
  /** PDUs sent, retransmissions included. */
  requests: number;
  retransmissions: number;
}

/** Column OID -> instance suffix -> varbind. */
export type ColumnValues = Map<string, Map<string, RawVarbind>>;

const DEFAULTS = {
  timeoutMs: 5000,
  attemptTimeoutMs: 1000,
  maxRepetitions: 25,
  columnsPerRequest: 4,
  concurrency: 4,
};

/**
 * One net-snmp session (one UDP socket) to one agent, for the length of an
 * operation or a scrape. Every call takes a signal and runs under one
 * deadline: net-snmp's own retries are off, and this class retransmits until
 * the deadline instead, so a slow agent gets many chances and a dead one costs
 * exactly the deadline. Errors name the agent and the object, never a secret.
 */
export class SnmpSession {
  readonly description: string;
  readonly stats: SnmpStats = { requests: 0, retransmissions: 0 };
  readonly #session: snmp.Session;
  readonly #opts: Required<Omit<SnmpSessionOptions, 'name' | 'port'>> & { port: number };
  readonly #slots: RequestSlots;
  readonly #redactor = new Redactor();
  readonly #v3: boolean;
  /** SNMPv3 engine discovery happens on the first request; the others wait for it. */
  #discovery: Promise<void> | undefined;
  #closed = false;

  constructor(options: SnmpSessionOptions) {
    this.#opts = { ...DEFAULTS, ...options, port: options.port ?? 161 };
    const { host, port, credentials } = this.#opts;
    this.#slots = new RequestSlots(this.#opts.concurrency);
    this.#v3 = credentials.version === '3';
    const who =
      credentials.version === '3'
        ? `SNMPv3 user ${credentials.user}, ${credentials.priv ? 'authPriv' : credentials.auth ? 'authNoPriv' : 'noAuthNoPriv'}`
        : `SNMP v${credentials.version}`;
    this.description = `${options.name ? `switch ${options.name} ` : ''}(${host}:${port}, ${who})`;

    const sessionOptions: snmp.SessionOptions = {
      port,
      retries: 0,
      timeout: this.#opts.attemptTimeoutMs,
      transport: isIPv6(host) ? 'udp6' : 'udp4',
    };
    if (credentials.version === '3') {
      if (credentials.priv && !credentials.auth) {
        throw new HavocError('snmp-config', `${this.description}: SNMPv3 privacy needs authentication too`, {
          hint: 'set an authProtocol and authKey, or drop the privacy settings',
        });
      }
      const user: snmp.V3User = {
        name: credentials.user,
        level: credentials.priv
          ? snmp.SecurityLevel.authPriv
          : credentials.auth
            ? snmp.SecurityLevel.authNoPriv
            : snmp.SecurityLevel.noAuthNoPriv,
      };
      if (credentials.auth) {
        this.#redactor.add(credentials.auth.key);
        user.authProtocol = snmp.AuthProtocols[credentials.auth.protocol];
        user.authKey = credentials.auth.key;
      }
      if (credentials.priv) {
        this.#redactor.add(credentials.priv.key);
        user.privProtocol = snmp.PrivProtocols[credentials.priv.protocol];
        user.privKey = credentials.priv.key;
      }
      this.#session = snmp.createV3Session(host, user, { ...sessionOptions, version: snmp.Version3 });
    } else {
      this.#redactor.add(credentials.community);
      this.#session = snmp.createSession(host, credentials.community, {
        ...sessionOptions,
        version: credentials.version === '1' ? snmp.Version1 : snmp.Version2c,
      });
    }
    // net-snmp emits 'error' for an undecodable datagram; unhandled, that would throw.
    this.#session.on('error', () => {});
  }

  get maxRepetitions(): number {
    return this.#opts.maxRepetitions;
  }

  /** GET of scalar or instance OIDs; exceptions (noSuchInstance, ...) come back as varbinds. */
  async get(oids: readonly string[], signal: AbortSignal): Promise<RawVarbind[]> {
    const what = `GET ${oids.map(describeOid).join(', ')}`;
    return this.#operation(what, signal, (deadline, inner) =>
      this.#exchange<snmp.Varbind[]>(what, deadline, inner, false, (cb) => this.#session.get([...oids], cb)),
    );
  }

  /** SET of one INTEGER (e.g. ifAdminStatus); resolves once the agent accepted it. */
  async setInteger(oid: string, value: number, signal: AbortSignal): Promise<void> {
    const what = `SET ${describeOid(oid)} = ${value}`;
    await this.#operation(what, signal, (deadline, inner) =>
      this.#exchange<snmp.Varbind[]>(what, deadline, inner, true, (cb) =>
        this.#session.set([{ oid, type: snmp.ObjectType['Integer'] as number, value }], cb),
      ),
    );
  }

  /**
   * Walks table columns with GETBULK: columns are grouped `columnsPerRequest`
   * per request, and the groups are walked in parallel under the session's
   * concurrency cap. One deadline covers the whole walk.
   */
  async walkColumns(columns: readonly string[], signal: AbortSignal): Promise<ColumnValues> {
    const what = `walk of ${columns.map(describeOid).join(', ')}`;
    return this.#operation(what, signal, async (deadline, inner) => {
      const cursors = startCursors(columns);
      const groups = columnGroups(cursors, this.#opts.columnsPerRequest);
      await Promise.all(
        groups.map(async (group) => {
          for (let asked = pendingCursors(group); asked.length > 0; asked = pendingCursors(group)) {
            const answer = await this.#exchange<snmp.Varbind[][]>(what, deadline, inner, false, (cb) =>
              this.#session.getBulk(
                asked.map((c) => c.next),
                0,
                this.#opts.maxRepetitions,
                cb,
              ),
            );
            let added: number;
            try {
              added = absorbBulkAnswer(asked, answer);
            } catch (err) {
              if (err instanceof WalkOrderError) {
                throw new SnmpError(`${this.description}: ${what}: ${err.message}`, {
                  hint: 'the agent is broken; walk fewer columns or report it to the vendor',
                });
              }
              throw err;
            }
            if (added === 0 && pendingCursors(asked).length === asked.length) {
              throw new SnmpError(`${this.description}: ${what}: the agent answered GETBULK with nothing`, {
                hint: 'lower maxRepetitions or columnsPerRequest for this agent',
              });
            }
          }
        }),
      );
      return new Map(cursors.map((c) => [c.column, c.rows]));
    });
  }

  /** Releases the socket; pending requests end with an error. Safe to call twice. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#session.close();
    } catch {
      // Already closed by the socket itself: nothing left to release.
    }
  }

  /**
   * Runs one operation under its own deadline. Its requests listen on an
   * inner signal, so dozens of parallel requests add one listener, not
   * dozens, to the caller's signal; the timer also bounds waiting for a slot.
   */
  async #operation<T>(
    what: string,
    signal: AbortSignal,
    run: (deadline: number, inner: AbortSignal) => Promise<T>,
  ): Promise<T> {
    if (this.#closed) throw new HavocError('snmp', `${this.description}: ${what} on a closed session`);
    if (signal.aborted) throw signal.reason;
    const inner = new AbortController();
    setMaxListeners(0, inner.signal);
    const forward = () => inner.abort(signal.reason);
    signal.addEventListener('abort', forward, { once: true });
    const { timeoutMs } = this.#opts;
    // A little after the deadline, so the retransmission loop's own, more precise, timeout wins when it can.
    const timer = setTimeout(
      () =>
        inner.abort(
          new TimeoutError(`${this.description}: ${what} did not finish within ${timeoutMs} ms`, {
            target: this.description,
            hint: 'the agent is slow or overloaded: raise the timeout or lower the concurrency',
          }),
        ),
      timeoutMs + 50,
    );
    try {
      return await run(monotonicMs() + timeoutMs, inner.signal);
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', forward);
    }
  }

  /**
   * One request/response exchange, retransmitted (as a new request, new
   * request-id) until an answer, an error answer, the deadline or an abort.
   */
  async #exchange<T>(
    what: string,
    deadline: number,
    signal: AbortSignal,
    isSet: boolean,
    send: (cb: (error: Error | null, result: T) => void) => void,
  ): Promise<T> {
    if (this.#v3) await this.#discovered(signal, deadline, what);
    return this.#slots.run(signal, () => this.#retransmitting(what, deadline, signal, isSet, send));
  }

  async #discovered(signal: AbortSignal, deadline: number, what: string): Promise<void> {
    if (this.#discovery === undefined) {
      // The first request runs alone: its unknownEngineID report exchange
      // teaches the session the engine ID, boots and time the others need.
      const first = this.#slots.run(signal, () =>
        this.#retransmitting<snmp.Varbind[]>(`${what} (engine discovery)`, deadline, signal, false, (cb) =>
          this.#session.get(['1.3.6.1.2.1.1.3.0'], cb),
        ),
      );
      this.#discovery = first.then(
        () => undefined,
        (err: unknown) => {
          this.#discovery = undefined;
          throw err;
        },
      );
    }
    await this.#discovery;
  }

  async #retransmitting<T>(
    what: string,
    deadline: number,
    signal: AbortSignal,
    isSet: boolean,
    send: (cb: (error: Error | null, result: T) => void) => void,
  ): Promise<T> {
    const started = monotonicMs();
    for (let attempt = 1; ; attempt++) {
      if (signal.aborted) throw signal.reason;
      const remaining = deadline - monotonicMs();
      if (remaining <= 0) {
        const waited = Math.round(monotonicMs() - started);
        throw new TimeoutError(
          `${this.description}: no answer to ${what} within ${waited} ms (${attempt - 1} attempts)`,
          {
            target: this.description,
            hint: this.#v3
              ? 'the agent is down or unreachable, or it drops our requests: check the address, port, firewall, and the v3 privacy key and protocol (a wrong privacy key gets no answer at all)'
              : 'the agent is down or unreachable, or it drops our requests: check the address, port, firewall and community (a wrong community gets no answer at all)',
          },
        );
      }
      // net-snmp reads the session's timeout when it builds the request.
      this.#session.timeout = Math.max(1, Math.min(this.#opts.attemptTimeoutMs, Math.ceil(remaining)));
      this.stats.requests++;
      if (attempt > 1) this.stats.retransmissions++;
      const outcome = await this.#once(send, signal);
      if (outcome.ok) return outcome.value;
      if (outcome.timedOut) continue;
      throw this.#translate(outcome.error, what, isSet);
    }
  }

  #once<T>(
    send: (cb: (error: Error | null, result: T) => void) => void,
    signal: AbortSignal,
  ): Promise<{ ok: true; value: T } | { ok: false; timedOut: boolean; error: unknown }> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const onAbort = () => {
        if (settled) return;
        settled = true;
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        send((error, result) => {
          if (settled) return;
          settled = true;
          signal.removeEventListener('abort', onAbort);
          if (!error) resolve({ ok: true, value: result });
          else resolve({ ok: false, timedOut: error.name === 'RequestTimedOutError', error });
        });
      } catch (error) {
        settled = true;
        signal.removeEventListener('abort', onAbort);
        resolve({ ok: false, timedOut: false, error });
      }
    });
  }

  /** net-snmp's errors, turned into ones a person can act on. Their text is never passed on unredacted. */
  #translate(error: unknown, what: string, isSet: boolean): HavocError {
    const err = error as { name?: string; status?: number; code?: number; message?: string };
    const prefix = `${this.description}: ${what}`;
    const target = this.description;
    if (err.name === 'RequestFailedError' && typeof err.status === 'number') {
      const status = errorStatusName(err.status);
      const hint = errorStatusHint(status, isSet);
      return new SnmpError(`${prefix} refused: ${status}`, { target, status, ...(hint ? { hint } : {}) });
    }
    if (err.name === 'ResponseInvalidError') {
      const code = snmp.ResponseInvalidCode;
      const message = String(err.message ?? '');
      if (err.code === code['EAuthFailure']) return this.#authError(prefix, message);
      if (err.code === code['ECouldNotDecrypt']) {
        return new AuthError(`${prefix}: the agent's answer could not be decrypted`, {
          target,
          hint: 'the v3 privacy key or protocol is wrong',
        });
      }
      if (err.code === code['ECommunityNoMatch']) {
        return new SnmpError(`${prefix}: the answer carried a different community than the request`, {
          target,
        });
      }
      return new SnmpError(`${prefix}: invalid answer: ${this.#redactor.redact(message)}`, { target });
    }
    if (err.message === 'Socket forcibly closed') {
      return new HavocError('snmp', `${prefix}: the session was closed before the answer came`, { target });
    }
    return new HavocError(
      'snmp',
      `${prefix} failed: ${this.#redactor.redact(String(err.message ?? error))}`,
      {
        target,
      },
    );
  }

  #authError(prefix: string, usmReport: string): AuthError {
    const target = this.description;
    const user = this.#opts.credentials.version === '3' ? this.#opts.credentials.user : '';
    // net-snmp turns the agent's usmStats report OIDs (RFC 3414 section 3.2) into these texts.
    if (usmReport.startsWith('Unknown User Name')) {
      return new AuthError(
        `${prefix}: the agent does not know v3 user ${user} (usmStatsUnknownUserNames report)`,
        {
          target,
          hint: "check the user name in the inventory against the agent's usmUserTable",
        },
      );
    }
    if (usmReport.startsWith('Wrong Digest')) {
      return new AuthError(
        `${prefix}: wrong v3 authentication key for user ${user} (usmStatsWrongDigests report)`,
        {
          target,
          hint: 'check authKey and authProtocol',
        },
      );
    }
    if (usmReport.startsWith('Unsupported Security Level')) {
      return new AuthError(`${prefix}: the agent does not allow this security level for user ${user}`, {
        target,
        hint: 'the user may be configured for a lower level (e.g. no privacy): check privProtocol/privKey',
      });
    }
    if (usmReport.startsWith('Decryption Error')) {
      return new AuthError(
        `${prefix}: the agent could not decrypt our request (usmStatsDecryptionErrors report)`,
        {
          target,
          hint: 'check privKey and privProtocol',
        },
      );
    }
    if (usmReport.startsWith('Authentication digest')) {
      return new AuthError(`${prefix}: the agent's answer failed authentication`, {
        target,
        hint: 'check authKey and authProtocol',
      });
    }
    return new AuthError(`${prefix}: v3 security error: ${this.#redactor.redact(usmReport)}`, { target });
  }
}
