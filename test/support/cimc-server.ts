import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { type LoopbackListener, listenLoopback } from './loopback-http.js';

/**
 * A Cisco IMC XML API test server on 127.0.0.1 (random port). No CIMC can run
 * here, so it answers the messages Cisco documents, with the source of each
 * shape named next to it:
 *
 *   [guide]  Cisco UCS Rack-Mount Servers CIMC XML API Programmer's Guide
 *            (OL-25396), chapter "Using the Cisco CIMC XML API Methods"
 *            (Login: POST to /nuova; Unsuccessful Responses) and chapter
 *            "Cisco CIMC XML API Method Descriptions" (aaaLogin, aaaLogout,
 *            configConfMo, configResolveDn, configResolveClass: request and
 *            response syntax, errorCode/errorDescr/invocationResult).
 *   [imcsdk] CiscoUcs/imcsdk @ b7a27c28: imcsdk/imcsession.py (/nuova),
 *            imcsdk/imcxmlcodec.py (a bare <error> root),
 *            imcsdk/mometa/compute/ComputeRackUnit.py (adminPower/operPower
 *            values), tests/unit_tests/common/test_imcfromxml.py
 *            (computeRackUnit attributes inside outConfigs).
 *   [ansible] ansible/ansible#65169 (a real aaaLogin answer: outCookie
 *            "1574355909/7b8b...", outRefreshPeriod 600, outSessionId,
 *            outVersion "3.2(6...)") and ansible-collections/community.general#1735
 *            (4 XML API sessions, then "Maximum sessions reached").
 */

export interface CimcServerOptions {
  user?: string;
  password?: string;
  operPower?: 'on' | 'off';
  /** ms the unit stays operPower="on" after adminPower="down" is accepted. */
  powerOffDelayMs?: number;
  /** XML API sessions allowed at once; a real CIMC allows 4. */
  maxSessions?: number;
  /** configConfMo on the rack unit fails with this error. */
  failConfig?: { errorCode: string; errorDescr: string };
  /** adminPower="down" is accepted but the unit never goes off. */
  ignoreOff?: boolean;
  tls?: { key: string; cert: string };
}

export interface CimcRequest {
  method: string;
  /** Attributes as the server parsed them (inPassword included, for escaping tests). */
  attrs: Record<string, string>;
  adminPower?: string;
}

const DN = 'sys/rack-unit-1';

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseAttributeValue: false,
  parseTagValue: false,
  htmlEntities: true,
});

export class CimcTestServer {
  readonly requests: CimcRequest[] = [];
  /** cookie -> logged out? Every session ever opened. */
  readonly sessions = new Map<string, { loggedOut: boolean }>();
  /** Logins refused because every session slot was taken. */
  sessionLimitRefusals = 0;
  readonly #opts: Required<Pick<CimcServerOptions, 'user' | 'password' | 'maxSessions'>> & CimcServerOptions;
  #listener: LoopbackListener | undefined;
  #operPower: 'on' | 'off';
  #offAt: number | undefined;
  #sessionId = 20;

  private constructor(opts: CimcServerOptions) {
    this.#opts = { user: 'admin', password: 'cimc-test-pw', maxSessions: 4, ...opts };
    this.#operPower = opts.operPower ?? 'on';
  }

  static async start(opts: CimcServerOptions = {}): Promise<CimcTestServer> {
    const server = new CimcTestServer(opts);
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

  openSessions(): number {
    return [...this.sessions.values()].filter((s) => !s.loggedOut).length;
  }

  operPower(): 'on' | 'off' {
    if (this.#offAt !== undefined && performance.now() >= this.#offAt) {
      this.#operPower = 'off';
      this.#offAt = undefined;
    }
    return this.#operPower;
  }

  /** Ends a pending power-off now, so a test need not wait for the delay. */
  finishPowerOff(): void {
    if (this.#offAt !== undefined) {
      this.#operPower = 'off';
      this.#offAt = undefined;
    }
  }

  async stop(): Promise<void> {
    await this.#listener?.close();
  }

  #handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || (req.url ?? '').split('?')[0] !== '/nuova') {
        res.writeHead(404, { 'content-type': 'text/html' }).end('<html><body>Not Found</body></html>');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(this.#answer(Buffer.concat(chunks).toString('utf8')));
    });
  }

  #answer(xml: string): string {
    const valid = XMLValidator.validate(xml);
    if (valid !== true) {
      // [imcsdk] imcxmlcodec.py handles a bare <error> root; code/invocationResult
      // as UCS-family firmware sends them for unparsable requests, text ours.
      this.requests.push({ method: 'unparsable', attrs: {} });
      return error('ERR-xml-parse-error', '594', `XML PARSING ERROR: ${valid.err.msg}`);
    }
    const doc = parser.parse(xml) as Record<string, Record<string, unknown>>;
    const method = Object.keys(doc).find((k) => k !== '?xml') ?? '';
    const body = doc[method] ?? {};
    const attrs: Record<string, string> = {};
    for (const [k, v] of Object.entries(body)) if (typeof v === 'string') attrs[k] = v;
    const record: CimcRequest = { method, attrs };
    this.requests.push(record);
    switch (method) {
      case 'aaaLogin':
        return this.#login(attrs);
      case 'aaaLogout':
        return this.#logout(attrs);
      case 'configResolveDn':
        return this.#withCookie(method, attrs, () => this.#resolveDn(attrs));
      case 'configResolveClass':
        return this.#withCookie(method, attrs, () => this.#resolveClass(attrs));
      case 'configConfMo':
        return this.#withCookie(method, attrs, () => this.#confMo(attrs, body, record));
      default:
        return error('ERR-xml-parse-error', '594', `XML PARSING ERROR: unknown method ${method}`);
    }
  }

  #login(attrs: Record<string, string>): string {
    if (attrs['inName'] !== this.#opts.user || attrs['inPassword'] !== this.#opts.password) {
      // [guide] Unsuccessful Responses: failed login.
      return methodError('aaaLogin', '', '551', 'unidentified-fail', 'Authentication failed');
    }
    if (this.openSessions() >= this.#opts.maxSessions) {
      this.sessionLimitRefusals++;
      // [ansible] "Maximum sessions reached" after 4 sessions; errorCode 572 is
      // what UCS-family clients classify as the session limit (not in the guide).
      return methodError('aaaLogin', '', '572', 'unidentified-fail', 'Maximum sessions reached');
    }
    const cookie = `${Math.floor(Date.now() / 1000)}/${randomUUID()}`;
    this.sessions.set(cookie, { loggedOut: false });
    // [guide] aaaLogin response syntax; values as in [ansible] #65169.
    return `<aaaLogin cookie="" response="yes" outCookie="${cookie}" outRefreshPeriod="600" outPriv="admin" outSessionId="${this.#sessionId++}" outVersion="3.2(6.20180817145819)"> </aaaLogin>`;
  }

  #logout(attrs: Record<string, string>): string {
    const cookie = attrs['inCookie'] ?? '';
    const session = this.sessions.get(cookie);
    if (!session || session.loggedOut) {
      // [guide] aaaLogout response carries outStatus success|failure.
      return `<aaaLogout cookie="" response="yes" outStatus="failure"> </aaaLogout>`;
    }
    session.loggedOut = true;
    return `<aaaLogout cookie="" response="yes" outStatus="success"> </aaaLogout>`;
  }

  #withCookie(method: string, attrs: Record<string, string>, answer: () => string): string {
    const cookie = attrs['cookie'] ?? '';
    const session = this.sessions.get(cookie);
    if (!session || session.loggedOut) {
      // 552 "Authorization required": UCS-family code for a missing/expired cookie.
      return methodError(method, cookie, '552', 'unidentified-fail', 'Authorization required');
    }
    return answer();
  }

  #rackUnit(): string {
    // [imcsdk] test_imcfromxml.py: computeRackUnit attributes (trimmed).
    return `<computeRackUnit dn="${DN}" adminPower="policy" model="UCSC-C240-M3L" name="UCS C240 M3L" numOfCpus="2" operPower="${this.operPower()}" presence="equipped" serverId="1" serial="FCH1752V07Z" totalMemory="131072" vendor="Cisco Systems Inc" ></computeRackUnit>`;
  }

  #resolveDn(attrs: Record<string, string>): string {
    const dn = attrs['dn'] ?? '';
    // [guide] configResolveDn: the object inside <outConfig>, empty when the dn does not exist.
    const inner = dn === DN ? this.#rackUnit() : '';
    return `<configResolveDn cookie="${attrs['cookie']}" response="yes" dn="${escapeXml(dn)}"><outConfig>${inner}</outConfig></configResolveDn>`;
  }

  #resolveClass(attrs: Record<string, string>): string {
    const classId = attrs['classId'] ?? '';
    // [imcsdk] test_imcfromxml.py: configResolveClass with <outConfigs>.
    const inner = classId === 'computeRackUnit' ? this.#rackUnit() : '';
    return `<configResolveClass cookie="${attrs['cookie']}" response="yes" classId="${escapeXml(classId)}"><outConfigs>${inner}</outConfigs></configResolveClass>`;
  }

  #confMo(attrs: Record<string, string>, body: Record<string, unknown>, record: CimcRequest): string {
    const cookie = attrs['cookie'] ?? '';
    const inConfig = body['inConfig'] as Record<string, unknown> | undefined;
    const mo = inConfig?.['computeRackUnit'] as Record<string, string> | undefined;
    if (!mo || mo['dn'] !== DN) {
      return methodError(
        'configConfMo',
        cookie,
        'ERR-xml-parse-error',
        '594',
        'XML PARSING ERROR: no computeRackUnit sys/rack-unit-1 in inConfig',
      );
    }
    const adminPower = mo['adminPower'] ?? '';
    record.adminPower = adminPower;
    if (this.#opts.failConfig) {
      return methodError(
        'configConfMo',
        cookie,
        this.#opts.failConfig.errorCode,
        'unidentified-fail',
        this.#opts.failConfig.errorDescr,
      );
    }
    // [imcsdk] ComputeRackUnit.py adminPower values.
    switch (adminPower) {
      case 'down':
      case 'soft-shut-down':
        if (this.#opts.ignoreOff || this.operPower() === 'off') break;
        if ((this.#opts.powerOffDelayMs ?? 0) > 0)
          this.#offAt = performance.now() + this.#opts.powerOffDelayMs!;
        else this.#operPower = 'off';
        break;
      case 'up':
        this.#offAt = undefined;
        this.#operPower = 'on';
        break;
      case 'cycle-immediate':
      case 'hard-reset-immediate':
        this.#offAt = undefined;
        this.#operPower = 'on';
        break;
      default:
        return methodError(
          'configConfMo',
          cookie,
          'ERR-xml-parse-error',
          '594',
          `XML PARSING ERROR: bad value ${adminPower} for adminPower`,
        );
    }
    // [guide] configConfMo response: the modified object inside <outConfig>.
    return `<configConfMo dn="${DN}" cookie="${cookie}" response="yes"><outConfig>${this.#rackUnit()}</outConfig></configConfMo>`;
  }
}

function escapeXml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
}

function methodError(method: string, cookie: string, code: string, result: string, descr: string): string {
  // [guide] Unsuccessful Responses: errorCode/invocationResult/errorDescr on the method element.
  return `<${method} cookie="${escapeXml(cookie)}" response="yes" errorCode="${code}" invocationResult="${result}" errorDescr="${escapeXml(descr)}"> </${method}>`;
}

function error(code: string, result: string, descr: string): string {
  return `<error cookie="" response="yes" errorCode="${code}" invocationResult="${result}" errorDescr="${escapeXml(descr)}" />`;
}
