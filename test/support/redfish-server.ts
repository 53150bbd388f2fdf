import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import { type LoopbackListener, listenLoopback } from './loopback-http.js';

/**
 * A stateful Redfish test server on 127.0.0.1 (random port), for unit tests
 * of the Redfish client and fence device. No real Redfish BMC can run on
 * this machine, and DMTF's Redfish-Mockup-Server answers every action 204
 * without changing state (redfishMockupServer.py:632-723), so it cannot show
 * that power went off. The resource SHAPES are copied from DMTF's
 * public-rackmount1 mockup (DMTF/Redfish-Mockup-Server @ 9a86585f,
 * public-rackmount1/...), named next to each; the failure modes reproduce
 * what real BMCs were reported to answer (threads named next to each).
 */

export type PowerState = 'On' | 'Off' | 'PoweringOn' | 'PoweringOff' | 'Paused';

export interface TestSystem {
  id: string;
  powerState?: PowerState;
  /** Published as ResetType@Redfish.AllowableValues unless `actionInfo` is set. */
  resetTypes?: string[];
  /** Publish the allowable values through a @Redfish.ActionInfo resource instead. */
  actionInfo?: boolean;
  /** Publish no allowable values at all. */
  noAllowableValues?: boolean;
}

export interface RedfishServerOptions {
  user?: string;
  password?: string;
  systems?: TestSystem[];
  /** POST to the Sessions collection answers 405: the client must use Basic auth. */
  sessionsUnsupported?: boolean;
  /** Sessions the BMC allows at once; the next login gets iDRAC's 503 RAC0218. */
  sessionLimit?: number;
  /** ms spent in PoweringOff after ForceOff/GracefulShutdown before Off. */
  powerOffDelayMs?: number;
  /** ms spent in PoweringOn after On before On. */
  powerOnDelayMs?: number;
  /** A reset into the current state: 409 like iDRAC, 400 like iLO, or accepted (204). */
  sameStateAnswer?: 409 | 400 | 204;
  /** Every reset answers 500 with a Base.1.x.InternalError body. */
  failReset?: boolean;
  /** The BMC accepts ForceOff (204) but the system never goes off. */
  ignoreOff?: boolean;
  /** key/cert PEM: serve HTTPS. */
  tls?: { key: string; cert: string };
}

export interface RecordedRequest {
  method: string;
  path: string;
  auth: 'session' | 'basic' | 'none' | 'bad';
  body?: unknown;
}

interface SystemState {
  id: string;
  state: PowerState;
  /** Monotonic ms at which a transition completes, and its end state. */
  pending?: { at: number; to: PowerState };
  spec: TestSystem;
}

const COPYRIGHT =
  'Copyright 2014-2022 DMTF. For the full DMTF copyright policy, see http://www.dmtf.org/about/policies/copyright.';

export class RedfishTestServer {
  readonly requests: RecordedRequest[] = [];
  readonly resets: { systemId: string; resetType: string; status: number }[] = [];
  /** Every session ever created, with whether it was deleted. */
  readonly sessions = new Map<string, { token: string; deleted: boolean }>();
  readonly #opts: Required<Pick<RedfishServerOptions, 'user' | 'password'>> & RedfishServerOptions;
  readonly #systems = new Map<string, SystemState>();
  #listener: LoopbackListener | undefined;
  #nextSession = 1;

  private constructor(opts: RedfishServerOptions) {
    this.#opts = { user: 'admin', password: 'redfish-test-pw', ...opts };
    for (const spec of opts.systems ?? [{ id: '437XR1138R2' }]) {
      this.#systems.set(spec.id, { id: spec.id, state: spec.powerState ?? 'On', spec });
    }
  }

  static async start(opts: RedfishServerOptions = {}): Promise<RedfishTestServer> {
    const server = new RedfishTestServer(opts);
    server.#listener = await listenLoopback((req, res) => server.#handle(req, res), opts.tls);
    return server;
  }

  get url(): string {
    if (!this.#listener) throw new Error('the test server is not started');
    return this.#listener.url;
  }

  get user(): string {
    return this.#opts.user;
  }

  get password(): string {
    return this.#opts.password;
  }

  /** Sessions created and not yet deleted. */
  openSessions(): number {
    return [...this.sessions.values()].filter((s) => !s.deleted).length;
  }

  powerState(systemId: string): PowerState {
    return this.#current(this.#system(systemId));
  }

  setPowerState(systemId: string, state: PowerState): void {
    const sys = this.#system(systemId);
    sys.state = state;
    delete sys.pending;
  }

  /** Ends every PoweringOff/PoweringOn now, so a test need not wait for the delay. */
  finishTransitions(): void {
    for (const sys of this.#systems.values()) {
      if (sys.pending) {
        sys.state = sys.pending.to;
        delete sys.pending;
      }
    }
  }

  async stop(): Promise<void> {
    await this.#listener?.close();
  }

  #system(id: string): SystemState {
    const sys = this.#systems.get(id);
    if (!sys) throw new Error(`test server has no system ${id}`);
    return sys;
  }

  #current(sys: SystemState): PowerState {
    if (sys.pending && performance.now() >= sys.pending.at) {
      sys.state = sys.pending.to;
      delete sys.pending;
    }
    return sys.state;
  }

  #handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      if (text !== '') {
        try {
          body = JSON.parse(text);
        } catch {
          this.#error(res, 400, 'Base.1.15.MalformedJSON', 'The request body submitted was malformed JSON.');
          return;
        }
      }
      const path = (req.url ?? '/').split('?')[0]!.replace(/\/+$/, '') || '/';
      const auth = this.#authOf(req);
      this.requests.push({ method: req.method ?? '', path, auth, ...(body === undefined ? {} : { body }) });
      this.#route(req.method ?? '', path, auth, body, res);
    });
  }

  #authOf(req: http.IncomingMessage): RecordedRequest['auth'] {
    const token = req.headers['x-auth-token'];
    if (typeof token === 'string') {
      return [...this.sessions.values()].some((s) => s.token === token && !s.deleted) ? 'session' : 'bad';
    }
    const basic = req.headers.authorization;
    if (typeof basic === 'string') {
      const expected = `Basic ${Buffer.from(`${this.#opts.user}:${this.#opts.password}`).toString('base64')}`;
      return basic === expected ? 'basic' : 'bad';
    }
    return 'none';
  }

  #route(
    method: string,
    path: string,
    auth: RecordedRequest['auth'],
    body: unknown,
    res: http.ServerResponse,
  ): void {
    // DSP0266: the service root is readable without authentication.
    if (method === 'GET' && path === '/redfish/v1') {
      this.#json(res, 200, this.#serviceRoot());
      return;
    }
    if (method === 'POST' && path === '/redfish/v1/SessionService/Sessions') {
      this.#login(body, res);
      return;
    }
    if (auth === 'none' || auth === 'bad') {
      this.#error(
        res,
        401,
        'Base.1.15.NoValidSession',
        'There is no valid session established with the implementation.',
      );
      return;
    }
    if (method === 'DELETE' && path.startsWith('/redfish/v1/SessionService/Sessions/')) {
      const id = path.slice('/redfish/v1/SessionService/Sessions/'.length);
      const session = this.sessions.get(id);
      if (!session || session.deleted) {
        this.#error(
          res,
          404,
          'Base.1.15.ResourceMissingAtURI',
          `The resource at the URI ${path} was not found.`,
        );
        return;
      }
      session.deleted = true;
      res.writeHead(204).end();
      return;
    }
    if (method === 'GET' && path === '/redfish/v1/Systems') {
      this.#json(res, 200, this.#collection());
      return;
    }
    const sysMatch = /^\/redfish\/v1\/Systems\/([^/]+)(\/.*)?$/.exec(path);
    const sys = sysMatch ? this.#systems.get(decodeURIComponent(sysMatch[1]!)) : undefined;
    if (sys && sysMatch) {
      const rest = sysMatch[2] ?? '';
      if (method === 'GET' && rest === '') {
        this.#json(res, 200, this.#systemResource(sys));
        return;
      }
      if (method === 'GET' && rest === '/ResetActionInfo') {
        this.#json(res, 200, this.#actionInfo(sys));
        return;
      }
      if (method === 'POST' && rest === '/Actions/ComputerSystem.Reset') {
        this.#reset(sys, body, res);
        return;
      }
    }
    this.#error(res, 404, 'Base.1.15.ResourceMissingAtURI', `The resource at the URI ${path} was not found.`);
    return;
  }

  #login(body: unknown, res: http.ServerResponse): void {
    if (this.#opts.sessionsUnsupported) {
      this.#error(
        res,
        405,
        'Base.1.15.OperationNotAllowed',
        'The HTTP method is not allowed on this resource.',
      );
      return;
    }
    const creds = body as { UserName?: unknown; Password?: unknown } | undefined;
    if (creds?.UserName !== this.#opts.user || creds?.Password !== this.#opts.password) {
      this.#error(
        res,
        401,
        'Base.1.15.ResourceAtUriUnauthorized',
        'While accessing the resource at /redfish/v1/SessionService/Sessions, the service received an authorization error unauthorized.',
      );
      return;
    }
    if (this.#opts.sessionLimit !== undefined && this.openSessions() >= this.#opts.sessionLimit) {
      this.#json(res, 503, {
        error: {
          '@Message.ExtendedInfo': [
            {
              Message: 'The maximum number of user sessions is reached.',
              MessageId: 'IDRAC.2.1.RAC0218',
              Resolution: 'Close one or more sessions before opening another session.',
              Severity: 'Informational',
            },
          ],
          code: 'Base.1.5.GeneralError',
          message: 'A general error has occurred. See ExtendedInfo for more information',
        },
      });
      return;
    }
    const id = String(this.#nextSession++);
    const token = randomBytes(16).toString('hex');
    this.sessions.set(id, { token, deleted: false });
    const location = `/redfish/v1/SessionService/Sessions/${id}`;
    // Body after public-rackmount1/SessionService/Sessions/1234567890ABCDEF/index.json;
    // 201 + Location + X-Auth-Token as redfishMockupServer.py:682-685 and DSP0266 session login.
    res.setHeader('Location', location);
    res.setHeader('X-Auth-Token', token);
    this.#json(res, 201, {
      '@odata.type': '#Session.v1_6_0.Session',
      Id: id,
      Name: 'User Session',
      Description: 'Manager User Session',
      UserName: this.#opts.user,
      '@odata.id': location,
    });
  }

  #reset(sys: SystemState, body: unknown, res: http.ServerResponse): void {
    const resetType = (body as { ResetType?: unknown } | undefined)?.ResetType;
    const allowed = this.#allowedResetTypes(sys);
    const record = (status: number) =>
      this.resets.push({ systemId: sys.id, resetType: String(resetType), status });
    if (typeof resetType !== 'string' || !allowed.includes(resetType)) {
      record(400);
      this.#error(
        res,
        400,
        'Base.1.15.ActionParameterValueNotInList',
        `The value '${String(resetType)}' for the parameter ResetType in the action ComputerSystem.Reset is not in the list of acceptable values.`,
      );
      return;
    }
    if (this.#opts.failReset) {
      record(500);
      this.#error(
        res,
        500,
        'Base.1.15.InternalError',
        'The request failed due to an internal service error.  The service is still operational.',
      );
      return;
    }
    const now = this.#current(sys);
    const sameState =
      ((resetType === 'ForceOff' || resetType === 'GracefulShutdown') && now === 'Off') ||
      ((resetType === 'On' || resetType === 'ForceOn') && now === 'On');
    const conflict = this.#opts.sameStateAnswer ?? 204;
    if (sameState && conflict === 409) {
      record(409);
      // On while on: iDRAC's 409 body from dell/dellemc-openmanage-ansible-modules#132.
      // ForceOff while off also gets a 409 on iDRAC (openstack-k8s-operators/infra-operator#434);
      // that thread shows only the status, so the OFF text below is ours.
      this.#extended(
        res,
        409,
        `Server is already powered ${now === 'On' ? 'ON' : 'OFF'}.`,
        'IDRAC.2.1.PSU501',
      );
      return;
    }
    if (conflict === 400 && now === 'Off' && resetType !== 'On' && resetType !== 'ForceOn') {
      record(400);
      this.#extended(res, 400, 'Power is off.', 'iLO.2.14.InvalidOperationForSystemState');
      return;
    }
    if ((resetType === 'PowerCycle' || resetType === 'ForceRestart') && now === 'Off') {
      // A cycle of an off system is refused (the IPMI analogue is completion code 0xD5,
      // ClusterLabs/fence-agents#596); the body text is ours.
      record(409);
      this.#extended(res, 409, 'The system is powered off.', 'Base.1.15.OperationNotAllowed');
      return;
    }
    record(204);
    switch (resetType) {
      case 'ForceOff':
      case 'GracefulShutdown':
        if (this.#opts.ignoreOff) break;
        this.#transition(sys, 'PoweringOff', 'Off', this.#opts.powerOffDelayMs ?? 0);
        break;
      case 'On':
      case 'ForceOn':
        this.#transition(sys, 'PoweringOn', 'On', this.#opts.powerOnDelayMs ?? 0);
        break;
      default:
        sys.state = 'On';
        delete sys.pending;
    }
    res.writeHead(204).end();
  }

  #transition(sys: SystemState, during: PowerState, to: PowerState, delayMs: number): void {
    if (delayMs <= 0) {
      sys.state = to;
      delete sys.pending;
      return;
    }
    sys.state = during;
    sys.pending = { at: performance.now() + delayMs, to };
  }

  #allowedResetTypes(sys: SystemState): string[] {
    // public-rackmount1/Systems/437XR1138R2/index.json, Actions."#ComputerSystem.Reset".
    return (
      sys.spec.resetTypes ?? [
        'On',
        'ForceOff',
        'GracefulShutdown',
        'GracefulRestart',
        'ForceRestart',
        'Nmi',
        'ForceOn',
        'PushPowerButton',
      ]
    );
  }

  #serviceRoot(): object {
    // public-rackmount1/index.json (trimmed to the links a fencer follows).
    return {
      '@odata.type': '#ServiceRoot.v1_15_0.ServiceRoot',
      Id: 'RootService',
      Name: 'Root Service',
      RedfishVersion: '1.15.0',
      UUID: '92384634-2938-2342-8820-489239905423',
      Systems: { '@odata.id': '/redfish/v1/Systems' },
      SessionService: { '@odata.id': '/redfish/v1/SessionService' },
      Links: { Sessions: { '@odata.id': '/redfish/v1/SessionService/Sessions' } },
      '@odata.id': '/redfish/v1/',
      '@Redfish.Copyright': COPYRIGHT,
    };
  }

  #collection(): object {
    // public-rackmount1/Systems/index.json
    const members = [...this.#systems.keys()].map((id) => ({ '@odata.id': `/redfish/v1/Systems/${id}` }));
    return {
      '@odata.type': '#ComputerSystemCollection.ComputerSystemCollection',
      Name: 'Computer System Collection',
      'Members@odata.count': members.length,
      Members: members,
      '@odata.id': '/redfish/v1/Systems',
      '@Redfish.Copyright': COPYRIGHT,
    };
  }

  #systemResource(sys: SystemState): object {
    // public-rackmount1/Systems/437XR1138R2/index.json (identity, PowerState, Actions).
    const uri = `/redfish/v1/Systems/${sys.id}`;
    const reset: Record<string, unknown> = { target: `${uri}/Actions/ComputerSystem.Reset` };
    if (sys.spec.actionInfo) reset['@Redfish.ActionInfo'] = `${uri}/ResetActionInfo`;
    else if (!sys.spec.noAllowableValues)
      reset['ResetType@Redfish.AllowableValues'] = this.#allowedResetTypes(sys);
    return {
      '@odata.type': '#ComputerSystem.v1_20_0.ComputerSystem',
      Id: sys.id,
      Name: 'WebFrontEnd483',
      SystemType: 'Physical',
      Manufacturer: 'Contoso',
      Model: '3500',
      SerialNumber: sys.id,
      Status: { State: 'Enabled', Health: 'OK', HealthRollup: 'OK' },
      PowerState: this.#current(sys),
      Actions: { '#ComputerSystem.Reset': reset },
      '@odata.id': uri,
      '@Redfish.Copyright': COPYRIGHT,
    };
  }

  #actionInfo(sys: SystemState): object {
    // ActionInfo shape after public-rackmount1/EventService/SubmitTestEventActionInfo/index.json.
    return {
      '@odata.type': '#ActionInfo.v1_3_0.ActionInfo',
      Id: 'ResetActionInfo',
      Name: 'Reset Action Info',
      Parameters: [
        {
          Name: 'ResetType',
          Required: true,
          DataType: 'String',
          AllowableValues: this.#allowedResetTypes(sys),
        },
      ],
      '@odata.id': `/redfish/v1/Systems/${sys.id}/ResetActionInfo`,
    };
  }

  #extended(res: http.ServerResponse, status: number, message: string, messageId: string): void {
    this.#json(res, status, {
      error: {
        code: 'Base.1.15.GeneralError',
        message: 'A general error has occurred. See ExtendedInfo for more information.',
        '@Message.ExtendedInfo': [
          {
            MessageId: messageId,
            Message: message,
            Severity: 'Warning',
            Resolution: 'No response action is required.',
          },
        ],
      },
    });
  }

  #error(res: http.ServerResponse, status: number, messageId: string, message: string): void {
    this.#json(res, status, {
      error: {
        code: messageId,
        message,
        '@Message.ExtendedInfo': [{ MessageId: messageId, Message: message, Severity: 'Critical' }],
      },
    });
  }

  #json(res: http.ServerResponse, status: number, body: object): void {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json',
      'odata-version': '4.0',
      'content-length': Buffer.byteLength(text),
    });
    res.end(text);
  }
}
