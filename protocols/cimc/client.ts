import { AuthError, HavocError } from '../../core/errors.js';
import type { Redactor } from '../../core/redact.js';
import { HttpTransport, type TlsOptions } from '../http/transport.js';
import {
  type AdminPower,
  aaaLogin,
  aaaLogout,
  configResolveClass,
  configResolveDn,
  parseResponse,
  responseError,
  setAdminPower,
  type XmlApiError,
  type XmlApiResponse,
} from './xml-messages.js';

/**
 * A Cisco IMC (standalone C-series CIMC) XML API client: every call is one
 * POST of one XML document to <url>/nuova. A CIMC allows only 4 XML API
 * sessions and a session that is not logged out lingers until it times out
 * ("Maximum sessions reached", ansible-collections/community.general#1735),
 * so the cookie is released with aaaLogout on every path.
 */

export interface CimcClientOptions {
  /** https://cimc-address[:port]; the XML API lives at /nuova under it. */
  url: string;
  user: string;
  password: string;
  tls?: TlsOptions;
  /** Names the CIMC in errors; never contains a secret. */
  target: string;
  /** Learns the session cookie as a secret the moment it is received. */
  redactor: Redactor;
}

export interface RackUnit {
  dn: string;
  /** computeRackUnit operPower: on, off, degraded, error, unknown, ... (imcsdk ComputeRackUnit.py). */
  operPower: string;
  name?: string;
  model?: string;
  serial?: string;
}

export const RACK_UNIT_DN = 'sys/rack-unit-1';

export class CimcClient {
  readonly #http: HttpTransport;
  readonly #opts: CimcClientOptions;
  readonly #endpoint: string;
  #cookie: Promise<string> | undefined;

  constructor(opts: CimcClientOptions) {
    this.#opts = opts;
    this.#http = new HttpTransport(opts.url, opts.target, opts.tls);
    this.#endpoint = `${this.#http.base.pathname.replace(/\/+$/, '')}/nuova`;
  }

  get target(): string {
    return this.#opts.target;
  }

  async operPower(dn: string, signal: AbortSignal): Promise<string> {
    const cookie = await this.#login(signal);
    const res = await this.#call(
      configResolveDn(cookie, dn),
      'configResolveDn',
      `read operPower of ${dn}`,
      signal,
    );
    const mo = res.objects.find((o) => o.attrs['dn'] === dn) ?? res.objects[0];
    const power = mo?.attrs['operPower'];
    if (power === undefined || power === '') {
      throw new HavocError(
        'cimc-error',
        `${this.target}: configResolveDn ${dn} returned no ${mo ? 'operPower' : 'object'}`,
        {
          target: this.target,
          hint: mo
            ? 'this firmware does not report power state for that dn'
            : `check that ${dn} exists on this CIMC`,
        },
      );
    }
    return power;
  }

  async setAdminPower(dn: string, adminPower: AdminPower, signal: AbortSignal): Promise<void> {
    const cookie = await this.#login(signal);
    await this.#call(
      setAdminPower(cookie, dn, adminPower),
      'configConfMo',
      `set adminPower=${adminPower} on ${dn}`,
      signal,
    );
  }

  async rackUnits(signal: AbortSignal): Promise<RackUnit[]> {
    const cookie = await this.#login(signal);
    const res = await this.#call(
      configResolveClass(cookie, 'computeRackUnit'),
      'configResolveClass',
      'list computeRackUnit',
      signal,
    );
    return res.objects
      .filter((o) => o.className === 'computeRackUnit' && o.attrs['dn'])
      .map((o) => {
        const unit: RackUnit = { dn: o.attrs['dn']!, operPower: o.attrs['operPower'] ?? 'unknown' };
        if (o.attrs['name']) unit.name = o.attrs['name'];
        if (o.attrs['model']) unit.model = o.attrs['model'];
        if (o.attrs['serial']) unit.serial = o.attrs['serial'];
        return unit;
      });
  }

  /** Logs in if needed; proves the CIMC answers and the credentials work. */
  async login(signal: AbortSignal): Promise<void> {
    await this.#login(signal);
  }

  /** Releases the session cookie, if one is held. The next call logs in again. */
  async logout(signal: AbortSignal): Promise<void> {
    const pending = this.#cookie;
    this.#cookie = undefined;
    if (!pending) return;
    let cookie: string;
    try {
      cookie = await pending;
    } catch {
      return; // the login failed: no session exists
    }
    const res = await this.#call(aaaLogout(cookie), 'aaaLogout', 'log out', signal);
    if (res.attrs['outStatus'] === undefined || res.attrs['outStatus'] === 'success') {
      // Logged out: the cookie no longer logs anyone in.
      this.#opts.redactor.forget(cookie);
    } else {
      throw new HavocError(
        'cimc-error',
        `${this.target}: aaaLogout answered outStatus="${res.attrs['outStatus']}"`,
        {
          target: this.target,
          hint: 'the session stays until the CIMC times it out (outRefreshPeriod); check `show user-session` on the CIMC',
        },
      );
    }
  }

  async close(signal: AbortSignal): Promise<void> {
    try {
      await this.logout(signal);
    } finally {
      this.#http.close();
    }
  }

  #login(signal: AbortSignal): Promise<string> {
    if (!this.#cookie) {
      const pending = this.#post(aaaLogin(this.#opts.user, this.#opts.password), 'aaaLogin', signal).then(
        (res) => {
          const err = responseError(res);
          if (err) throw this.#loginError(err);
          const cookie = res.attrs['outCookie'];
          if (!cookie) {
            throw new HavocError('protocol', `${this.target}: aaaLogin succeeded without an outCookie`, {
              target: this.target,
              hint: 'this does not look like a Cisco IMC XML API; check the URL',
            });
          }
          // The cookie acts as the user until aaaLogout: a secret like the password.
          this.#opts.redactor.add(cookie);
          return cookie;
        },
      );
      this.#cookie = pending;
      pending.catch(() => {
        if (this.#cookie === pending) this.#cookie = undefined;
      });
    }
    return this.#cookie;
  }

  #loginError(err: XmlApiError): HavocError {
    const detail = describeError(err);
    // 572 is what UCS-family clients treat as the session limit; the text is
    // what users of CIMC report (ansible/ansible#65169).
    if (err.errorCode === '572' || /maximum sessions/i.test(err.errorDescr)) {
      return new HavocError('cimc-session-limit', `${this.target}: aaaLogin refused: ${detail}`, {
        target: this.target,
        hint: 'a CIMC allows 4 XML API sessions: find who holds them with `show user-session` on the CIMC, or wait for them to time out',
      });
    }
    if (err.errorCode === '551' || /auth|password|credential|login/i.test(err.errorDescr)) {
      return new AuthError(`${this.target}: aaaLogin refused: ${detail}`, {
        target: this.target,
        hint: `check the password file or env variable for user ${this.#opts.user}, and that the account is enabled`,
      });
    }
    return new HavocError('cimc-error', `${this.target}: aaaLogin refused: ${detail}`, {
      target: this.target,
    });
  }

  async #call(body: string, method: string, what: string, signal: AbortSignal): Promise<XmlApiResponse> {
    const res = await this.#post(body, method, signal);
    const err = responseError(res);
    if (err) {
      throw new HavocError('cimc-error', `${this.target}: ${what} failed: ${describeError(err)}`, {
        target: this.target,
        hint: 'check the CIMC event log; the user needs the admin or user role for power changes',
      });
    }
    return res;
  }

  async #post(body: string, method: string, signal: AbortSignal): Promise<XmlApiResponse> {
    const res = await this.#http.request(
      {
        method: 'POST',
        url: this.#endpoint,
        headers: { 'content-type': 'text/xml', accept: 'text/xml' },
        body,
      },
      signal,
    );
    if (res.status === 401 || res.status === 403) {
      throw new AuthError(`${this.target}: ${method} was refused with HTTP ${res.status}`, {
        target: this.target,
        hint: `check the credentials of user ${this.#opts.user}`,
      });
    }
    if (res.status < 200 || res.status > 299) {
      throw new HavocError('cimc-http', `${this.target}: ${method} answered HTTP ${res.status}`, {
        target: this.target,
        hint:
          res.status === 404
            ? 'the URL does not serve /nuova: check that it is the CIMC address'
            : 'retry; if it persists, check the CIMC',
      });
    }
    let parsed: XmlApiResponse;
    try {
      parsed = parseResponse(res.text);
    } catch (err) {
      throw new HavocError(
        'protocol',
        `${this.target}: ${method} answer is not usable: ${(err as Error).message}`,
        {
          target: this.target,
          hint: 'check that the URL points at a Cisco IMC',
        },
      );
    }
    if (parsed.method !== method && parsed.method !== 'error') {
      throw new HavocError('protocol', `${this.target}: sent ${method}, got a <${parsed.method}> answer`, {
        target: this.target,
      });
    }
    return parsed;
  }
}

function describeError(err: XmlApiError): string {
  const parts = [`errorCode ${err.errorCode || '?'}`];
  if (err.invocationResult) parts.push(`invocationResult ${err.invocationResult}`);
  return `"${err.errorDescr || 'no description'}" (${parts.join(', ')})`;
}
