import { HavocError } from '../../core/errors.js';
import type { Redactor } from '../../core/redact.js';
import { type HttpResponse, HttpTransport, type TlsOptions } from '../http/transport.js';
import { describeMessages, parseJson } from './messages.js';
import { chooseResetType, type ResetIntent, resetTypesFromActionInfo } from './reset-types.js';
import { authFailure, authHeaders, closeSession, openSession, type RedfishAuth } from './session.js';

/**
 * A Redfish client for one BMC and one ComputerSystem: discovery, session
 * login/logout, PowerState and ComputerSystem.Reset. It sends and reads;
 * it never waits for a state (that is the fencer's verification loop).
 *
 * Every HTTP status is checked. fence_redfish ignores the status of the
 * reset POST, so a 409/400/500 looks like "timed out waiting"
 * (ClusterLabs/fence-agents agents/redfish/fence_redfish.py:74-82).
 */

export interface RedfishClientOptions {
  baseUrl: string;
  user: string;
  password: string;
  /** Id (last path segment) or @odata.id of the system; required when the BMC has several. */
  systemId?: string | undefined;
  tls?: TlsOptions;
  /** Names the BMC in errors; never contains a secret. */
  target: string;
  /** Learns the session token (or basic credentials) as a secret the moment it is known. */
  redactor: Redactor;
}

/** DMTF Resource.json PowerState. */
export type RedfishPowerState = 'On' | 'Off' | 'PoweringOn' | 'PoweringOff' | 'Paused';
const POWER_STATES: ReadonlySet<string> = new Set(['On', 'Off', 'PoweringOn', 'PoweringOff', 'Paused']);

export interface RedfishSystem {
  id: string;
  uri: string;
  name?: string;
  powerState?: RedfishPowerState;
}

export interface ResetOutcome {
  resetType: string;
  httpStatus: number;
  /**
   * The BMC refused the reset (409 or 400) and a fresh PowerState read showed
   * the system already where the reset would have put it.
   */
  alreadyInState: boolean;
  powerState?: RedfishPowerState;
}

type Json = Record<string, unknown>;

export class RedfishClient {
  readonly #http: HttpTransport;
  readonly #opts: RedfishClientOptions;
  #auth: Promise<RedfishAuth> | undefined;
  #root: Promise<Json> | undefined;
  #systemUri: string | undefined;

  constructor(opts: RedfishClientOptions) {
    this.#opts = opts;
    this.#http = new HttpTransport(opts.baseUrl, opts.target, opts.tls);
  }

  get target(): string {
    return this.#opts.target;
  }

  /** 'session' or 'basic', once logged in. */
  async authKind(signal: AbortSignal): Promise<RedfishAuth['kind']> {
    return (await this.#login(signal)).kind;
  }

  async listSystems(signal: AbortSignal): Promise<RedfishSystem[]> {
    const members = await this.#systemMembers(signal);
    const out: RedfishSystem[] = [];
    for (const uri of members) {
      const body = await this.#getJson(uri, `GET system ${uri}`, signal);
      const sys: RedfishSystem = { id: lastSegment(uri), uri };
      if (typeof body['Name'] === 'string') sys.name = body['Name'];
      if (typeof body['PowerState'] === 'string' && POWER_STATES.has(body['PowerState'])) {
        sys.powerState = body['PowerState'] as RedfishPowerState;
      }
      out.push(sys);
    }
    return out;
  }

  async powerState(signal: AbortSignal): Promise<RedfishPowerState> {
    const uri = await this.#selectSystem(signal);
    const body = await this.#getJson(uri, 'read PowerState', signal);
    return this.#parsePowerState(body, uri);
  }

  async reset(intent: ResetIntent, signal: AbortSignal): Promise<ResetOutcome> {
    const uri = await this.#selectSystem(signal);
    const system = await this.#getJson(uri, 'read the system', signal);
    const action = asJson(asJson(system['Actions'])?.['#ComputerSystem.Reset']);
    const actionTarget = action?.['target'];
    if (!action || typeof actionTarget !== 'string') {
      throw new HavocError(
        'redfish-reset-unsupported',
        `${this.target}: system ${uri} advertises no #ComputerSystem.Reset action`,
        {
          target: this.target,
          hint: 'this BMC cannot switch power through Redfish; use its IPMI interface instead',
        },
      );
    }
    const advertised = await this.#advertisedResetTypes(action, signal);
    const choice = chooseResetType(intent, advertised);
    if (!choice.ok) {
      throw new HavocError(
        'redfish-reset-unsupported',
        `${this.target}: system ${uri} does not advertise a ResetType for "${intent}" (havoc needs ${describeWanted(intent)}; it advertises ${choice.advertised.join(', ') || 'nothing'})`,
        {
          target: this.target,
          hint:
            intent === 'cycle'
              ? 'use reboot method onoff instead of cycle'
              : 'this BMC cannot do this action',
        },
      );
    }
    const resetType = choice.resetType;
    const res = await this.#send(
      { method: 'POST', url: actionTarget, body: JSON.stringify({ ResetType: resetType }) },
      signal,
    );
    if (res.status >= 200 && res.status <= 299)
      return { resetType, httpStatus: res.status, alreadyInState: false };
    if (res.status === 401 || res.status === 403)
      throw authFailure(this.target, this.#opts.user, `Reset ${resetType}`, res);
    const message = describeMessages(parseJson(res.text), res.text);
    if (res.status === 409 || res.status === 400) {
      // iDRAC: 409 "Server is already powered ON" (IDRAC.2.1.PSU501); iLO: 400
      // InvalidOperationForSystemState while off. Only a fresh read can tell
      // whether the system really is where the reset would have put it.
      const powerState = await this.powerState(signal);
      if (alreadyThere(intent, powerState))
        return { resetType, httpStatus: res.status, alreadyInState: true, powerState };
      throw new HavocError(
        'redfish-reset-refused',
        `${this.target}: Reset ${resetType} answered HTTP ${res.status} (${message}) and PowerState is ${powerState}`,
        { target: this.target, hint: refusalHint(intent, powerState) },
      );
    }
    throw new HavocError(
      'redfish-http',
      `${this.target}: Reset ${resetType} answered HTTP ${res.status}: ${message}`,
      {
        target: this.target,
        hint:
          res.status >= 500
            ? 'the BMC failed internally: check its log; retry once'
            : 'check the BMC firmware and the system id',
      },
    );
  }

  /** Deletes the session, if one is open. The next call logs in again. */
  async logout(signal: AbortSignal): Promise<void> {
    const pending = this.#auth;
    this.#auth = undefined;
    if (!pending) return;
    let auth: RedfishAuth;
    try {
      auth = await pending;
    } catch {
      return; // the login failed: no session exists
    }
    await closeSession(this.#http, auth, this.#opts.redactor, signal);
  }

  /** Logs out and closes the connections. */
  async close(signal: AbortSignal): Promise<void> {
    try {
      await this.logout(signal);
    } finally {
      this.#http.close();
    }
  }

  #login(signal: AbortSignal): Promise<RedfishAuth> {
    if (!this.#auth) {
      const pending = this.#serviceRoot(signal).then((root) => {
        const links = asJson(root['Links']);
        const sessionsUri =
          odataId(links?.['Sessions']) ??
          odataId(asJson(root['SessionService'])?.['Sessions']) ??
          '/redfish/v1/SessionService/Sessions';
        return openSession(
          this.#http,
          sessionsUri,
          { user: this.#opts.user, password: this.#opts.password },
          this.#opts.redactor,
          signal,
        );
      });
      this.#auth = pending;
      pending.catch(() => {
        if (this.#auth === pending) this.#auth = undefined;
      });
    }
    return this.#auth;
  }

  /** The service root is readable without credentials (DSP0266); a BMC that refuses gets the well-known URIs. */
  #serviceRoot(signal: AbortSignal): Promise<Json> {
    if (!this.#root) {
      const pending = this.#http
        .request({ method: 'GET', url: '/redfish/v1/', headers: { accept: 'application/json' } }, signal)
        .then((res): Json => {
          if (res.status === 401 || res.status === 403) return {};
          if (res.status < 200 || res.status > 299) {
            throw new HavocError(
              'redfish-http',
              `${this.target}: GET /redfish/v1/ answered HTTP ${res.status}: ${describeMessages(parseJson(res.text), res.text)}`,
              { target: this.target, hint: 'check that baseUrl points at a Redfish service' },
            );
          }
          const body = asJson(parseJson(res.text));
          if (!body) {
            throw new HavocError(
              'protocol',
              `${this.target}: GET /redfish/v1/ did not return a JSON object`,
              {
                target: this.target,
                hint: 'check that baseUrl points at a Redfish service',
              },
            );
          }
          return body;
        });
      this.#root = pending;
      pending.catch(() => {
        if (this.#root === pending) this.#root = undefined;
      });
    }
    return this.#root;
  }

  async #send(
    req: { method: 'GET' | 'POST'; url: string; body?: string },
    signal: AbortSignal,
  ): Promise<HttpResponse> {
    const auth = await this.#login(signal);
    const headers: Record<string, string> = { ...authHeaders(auth), accept: 'application/json' };
    if (req.body !== undefined) headers['content-type'] = 'application/json';
    return await this.#http.request({ ...req, headers }, signal);
  }

  async #getJson(uri: string, what: string, signal: AbortSignal): Promise<Json> {
    const res = await this.#send({ method: 'GET', url: uri }, signal);
    if (res.status === 401 || res.status === 403) throw authFailure(this.target, this.#opts.user, what, res);
    if (res.status < 200 || res.status > 299) {
      throw new HavocError(
        'redfish-http',
        `${this.target}: ${what} (GET ${uri}) answered HTTP ${res.status}: ${describeMessages(parseJson(res.text), res.text)}`,
        {
          target: this.target,
          hint:
            res.status === 404 ? 'check systemId and baseUrl' : 'retry; if it persists, check the BMC log',
        },
      );
    }
    const body = asJson(parseJson(res.text));
    if (!body)
      throw new HavocError('protocol', `${this.target}: GET ${uri} did not return a JSON object`, {
        target: this.target,
      });
    return body;
  }

  async #systemMembers(signal: AbortSignal): Promise<string[]> {
    const root = await this.#serviceRoot(signal);
    const systemsUri = odataId(root['Systems']) ?? '/redfish/v1/Systems';
    const collection = await this.#getJson(systemsUri, 'list Systems', signal);
    const members = collection['Members'];
    if (!Array.isArray(members)) {
      throw new HavocError('protocol', `${this.target}: ${systemsUri} has no Members array`, {
        target: this.target,
      });
    }
    return members.map(odataId).filter((u): u is string => u !== undefined);
  }

  async #selectSystem(signal: AbortSignal): Promise<string> {
    if (this.#systemUri) return this.#systemUri;
    const members = await this.#systemMembers(signal);
    const ids = members.map(lastSegment);
    const wanted = this.#opts.systemId;
    let chosen: string | undefined;
    if (wanted !== undefined) {
      chosen = members.find((u) => u === wanted || lastSegment(u) === wanted);
      if (!chosen) {
        throw new HavocError(
          'redfish-system',
          `${this.target}: no system "${wanted}" (the BMC has ${ids.length === 0 ? 'none' : ids.join(', ')})`,
          { target: this.target, hint: 'set systemId in the inventory to one of these' },
        );
      }
    } else if (members.length === 1) {
      chosen = members[0];
    } else {
      // fence_redfish silently keeps the LAST member (fence_redfish.py:84-102),
      // which can fence the wrong server; havoc refuses to guess.
      throw new HavocError(
        'redfish-system',
        members.length === 0
          ? `${this.target}: the Systems collection is empty`
          : `${this.target}: the BMC has ${members.length} systems (${ids.join(', ')}) and the inventory sets no systemId`,
        {
          target: this.target,
          hint: members.length === 0 ? 'check the BMC' : 'set systemId in the inventory to one of these',
        },
      );
    }
    this.#systemUri = chosen!;
    return this.#systemUri;
  }

  async #advertisedResetTypes(action: Json, signal: AbortSignal): Promise<string[] | undefined> {
    const inline = action['ResetType@Redfish.AllowableValues'];
    if (Array.isArray(inline)) return inline.filter((v): v is string => typeof v === 'string');
    const infoUri = action['@Redfish.ActionInfo'];
    if (typeof infoUri !== 'string') return undefined;
    return resetTypesFromActionInfo(await this.#getJson(infoUri, 'read the reset ActionInfo', signal));
  }

  #parsePowerState(body: Json, uri: string): RedfishPowerState {
    const state = body['PowerState'];
    if (typeof state === 'string' && POWER_STATES.has(state)) return state as RedfishPowerState;
    throw new HavocError(
      'protocol',
      `${this.target}: system ${uri} reports PowerState ${state === undefined || state === null ? 'nothing' : JSON.stringify(state)}, not one of On, Off, PoweringOn, PoweringOff, Paused`,
      {
        target: this.target,
        hint: 'the power state cannot be verified through this BMC; fence through another level',
      },
    );
  }
}

function alreadyThere(intent: ResetIntent, state: RedfishPowerState): boolean {
  if (intent === 'off' || intent === 'soft') return state === 'Off';
  if (intent === 'on') return state === 'On' || state === 'PoweringOn';
  return false;
}

function refusalHint(intent: ResetIntent, state: RedfishPowerState): string {
  if (intent === 'cycle' && state === 'Off') return 'a power cycle needs the system on: power it on instead';
  if (state === 'PoweringOff' || state === 'PoweringOn')
    return 'the system is changing state: read the status again shortly';
  return 'check the BMC log for why it refused';
}

function describeWanted(intent: ResetIntent): string {
  return {
    off: 'ForceOff',
    on: 'On',
    cycle: 'PowerCycle or ForceRestart',
    soft: 'GracefulShutdown',
    nmi: 'Nmi',
  }[intent];
}

function asJson(value: unknown): Json | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;
}

function odataId(value: unknown): string | undefined {
  const id = asJson(value)?.['@odata.id'];
  return typeof id === 'string' && id !== '' ? id : undefined;
}

function lastSegment(uri: string): string {
  const parts = uri.split('/').filter((p) => p !== '');
  return parts[parts.length - 1] ?? uri;
}
