import type { AddressInfo } from 'node:net';
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { deadlineSignal } from '../../core/deadline.js';
import { AuthError, HavocError, TimeoutError } from '../../core/errors.js';
import { Redactor } from '../../core/redact.js';
import { type RedfishServerOptions, RedfishTestServer } from '../../test/support/redfish-server.js';
import { RedfishClient, type RedfishClientOptions } from './client.js';

const SRC = '(Redfish test server after DMTF mockup public-rackmount1)';

const servers: RedfishTestServer[] = [];
const clients: RedfishClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) await c.close(AbortSignal.timeout(2000)).catch(() => undefined);
  for (const s of servers.splice(0)) await s.stop();
});

async function setup(opts: RedfishServerOptions = {}, client: Partial<RedfishClientOptions> = {}) {
  const server = await RedfishTestServer.start(opts);
  servers.push(server);
  const c = new RedfishClient({
    baseUrl: server.url,
    user: server.user,
    password: server.password,
    target: `Redfish BMC of test-host (${server.url}, user ${server.user})`,
    redactor: new Redactor(),
    ...client,
  });
  clients.push(c);
  return { server, client: c };
}

/** Every request except the two DSP0266 allows without credentials: the service root and the login. */
function needingAuth(server: RedfishTestServer) {
  return server.requests.filter(
    (r) =>
      !(r.method === 'GET' && r.path === '/redfish/v1') &&
      !(r.method === 'POST' && r.path.endsWith('/Sessions')),
  );
}

const sig = () => deadlineSignal(5000, 'test request');

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection, got success');
}

describe(`Redfish client: discovery, sessions, PowerState ${SRC}`, () => {
  it('logs in with a session, reads PowerState, sends ForceOff and deletes the session on close', async () => {
    const { server, client } = await setup();
    expect(await client.powerState(sig())).toBe('On');
    expect(await client.authKind(sig())).toBe('session');
    const outcome = await client.reset('off', sig());
    expect(outcome).toEqual({ resetType: 'ForceOff', httpStatus: 204, alreadyInState: false });
    expect(server.powerState('437XR1138R2')).toBe('Off');
    expect(await client.powerState(sig())).toBe('Off');
    await client.close(sig());
    expect(server.sessions.size).toBe(1);
    expect(server.openSessions()).toBe(0);
    expect(needingAuth(server).every((r) => r.auth === 'session')).toBe(true);
    expect(server.requests.at(-1)).toMatchObject({
      method: 'DELETE',
      path: '/redfish/v1/SessionService/Sessions/1',
    });
  });

  it('registers the session token while the session lives, and the Basic credentials without sessions, as secrets', async () => {
    const redactor = new Redactor();
    const { server, client } = await setup({}, { redactor });
    await client.powerState(sig());
    const token = [...server.sessions.values()][0]?.token;
    expect(token).toBeDefined();
    expect(redactor.redact(`token ${token}`)).toBe('token [redacted]');
    // Deleted, the token logs nobody in: forgotten, so a client per scrape does not grow the redactor.
    await client.close(sig());
    expect(redactor.size).toBe(0);
    const basicRedactor = new Redactor();
    const basic = await setup({ sessionsUnsupported: true }, { redactor: basicRedactor });
    await basic.client.powerState(sig());
    const encoded = Buffer.from(`${basic.server.user}:${basic.server.password}`).toString('base64');
    expect(basicRedactor.redact(`Basic ${encoded}`)).toBe('Basic [redacted]');
  });

  it('falls back to HTTP Basic on every request when the Sessions POST answers 405', async () => {
    const { server, client } = await setup({ sessionsUnsupported: true });
    expect(await client.authKind(sig())).toBe('basic');
    await client.reset('off', sig());
    expect(await client.powerState(sig())).toBe('Off');
    expect(needingAuth(server).length).toBeGreaterThan(0);
    expect(needingAuth(server).every((r) => r.auth === 'basic')).toBe(true);
    expect(server.sessions.size).toBe(0);
  });

  it('wrong password: AuthError from the one session POST, no retry, well inside a 2 s deadline', async () => {
    const { server, client } = await setup({}, { password: 'wrong-password' });
    const err = await rejection(client.powerState(deadlineSignal(2000, 'status')));
    expect(err).toBeInstanceOf(AuthError);
    expect(err.message).toContain('HTTP 401');
    expect(err.message).not.toContain('wrong-password');
    expect(server.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
    expect(server.sessions.size).toBe(0);
  });

  it('a BMC out of sessions (iDRAC 503 RAC0218) is reported with its message and what to do', async () => {
    const { server, client } = await setup({ sessionLimit: 1 });
    await client.authKind(sig());
    const second = new RedfishClient({
      baseUrl: server.url,
      user: server.user,
      password: server.password,
      target: 'second client',
      redactor: new Redactor(),
    });
    clients.push(second);
    const err = await rejection(second.powerState(sig()));
    expect(err.message).toContain('HTTP 503');
    expect(err.message).toContain('The maximum number of user sessions is reached. (IDRAC.2.1.RAC0218)');
    expect((err as HavocError).hint).toContain('no free session');
  });

  it('several systems and no systemId: refuses, naming every system (fence_redfish keeps the last one)', async () => {
    const { server, client } = await setup({ systems: [{ id: 'Blade1' }, { id: 'Blade2' }] });
    const err = await rejection(client.reset('off', sig()));
    expect(err).toBeInstanceOf(HavocError);
    expect((err as HavocError).code).toBe('redfish-system');
    expect(err.message).toContain('Blade1, Blade2');
    expect((err as HavocError).hint).toContain('systemId');
    expect(server.resets).toHaveLength(0);
  });

  it('several systems with systemId: switches only that system', async () => {
    const { server, client } = await setup(
      { systems: [{ id: 'Blade1' }, { id: 'Blade2' }] },
      { systemId: 'Blade2' },
    );
    await client.reset('off', sig());
    expect(server.powerState('Blade2')).toBe('Off');
    expect(server.powerState('Blade1')).toBe('On');
    expect((await client.listSystems(sig())).map((s) => [s.id, s.powerState])).toEqual([
      ['Blade1', 'On'],
      ['Blade2', 'Off'],
    ]);
  });

  it('an unknown systemId is an error listing the systems that exist', async () => {
    const { client } = await setup({ systems: [{ id: 'Blade1' }] }, { systemId: 'System.Embedded.1' });
    const err = await rejection(client.powerState(sig()));
    expect(err.message).toContain('no system "System.Embedded.1"');
    expect(err.message).toContain('Blade1');
  });

  it('PoweringOff and Paused are read as they are (the device maps only Off to off)', async () => {
    const { server, client } = await setup({ powerOffDelayMs: 3_600_000 });
    await client.reset('off', sig());
    expect(await client.powerState(sig())).toBe('PoweringOff');
    server.finishTransitions();
    expect(await client.powerState(sig())).toBe('Off');
    server.setPowerState('437XR1138R2', 'Paused');
    expect(await client.powerState(sig())).toBe('Paused');
  });
});

describe(`Redfish client: reset answers other than 204 ${SRC}`, () => {
  it('409 "already powered" (iDRAC) is followed by a PowerState read, then accepted because the state matches', async () => {
    const { server, client } = await setup({
      sameStateAnswer: 409,
      systems: [{ id: 'S1', powerState: 'Off' }],
    });
    const outcome = await client.reset('off', sig());
    expect(outcome).toMatchObject({
      resetType: 'ForceOff',
      httpStatus: 409,
      alreadyInState: true,
      powerState: 'Off',
    });
    const post = server.requests.findIndex(
      (r) => r.method === 'POST' && r.path.endsWith('ComputerSystem.Reset'),
    );
    expect(
      server.requests.slice(post + 1).some((r) => r.method === 'GET' && r.path === '/redfish/v1/Systems/S1'),
    ).toBe(true);

    server.setPowerState('S1', 'On');
    expect(await client.reset('on', sig())).toMatchObject({
      httpStatus: 409,
      alreadyInState: true,
      powerState: 'On',
    });
  });

  it('400 InvalidOperationForSystemState (iLO) while off is also checked against PowerState', async () => {
    const { client } = await setup({ sameStateAnswer: 400, systems: [{ id: '1', powerState: 'Off' }] });
    expect(await client.reset('off', sig())).toMatchObject({
      httpStatus: 400,
      alreadyInState: true,
      powerState: 'Off',
    });
  });

  it('409 when the state does NOT match is a failure carrying the BMC message and the state read', async () => {
    const { client } = await setup({
      systems: [{ id: 'S1', powerState: 'Off', resetTypes: ['On', 'ForceOff', 'PowerCycle'] }],
    });
    const err = await rejection(client.reset('cycle', sig()));
    expect((err as HavocError).code).toBe('redfish-reset-refused');
    expect(err.message).toContain('HTTP 409');
    expect(err.message).toContain('The system is powered off.');
    expect(err.message).toContain('PowerState is Off');
    expect((err as HavocError).hint).toContain('power it on');
  });

  it('500 on reset fails with the @Message.ExtendedInfo message', async () => {
    const { server, client } = await setup({ failReset: true });
    const err = await rejection(client.reset('off', sig()));
    expect((err as HavocError).code).toBe('redfish-http');
    expect(err.message).toContain('HTTP 500');
    expect(err.message).toContain('The request failed due to an internal service error.');
    expect(err.message).toContain('Base.1.15.InternalError');
    expect(server.powerState('437XR1138R2')).toBe('On');
  });
});

describe(`Redfish client: ResetType chosen from what the system advertises ${SRC}`, () => {
  it('refuses an intent with no advertised ResetType, without POSTing anything', async () => {
    const { server, client } = await setup({
      systems: [{ id: 'S1', resetTypes: ['On', 'GracefulShutdown'] }],
    });
    const err = await rejection(client.reset('off', sig()));
    expect((err as HavocError).code).toBe('redfish-reset-unsupported');
    expect(err.message).toContain('needs ForceOff');
    expect(err.message).toContain('advertises On, GracefulShutdown');
    expect(server.resets).toHaveLength(0);
  });

  it('cycle uses PowerCycle when advertised, else ForceRestart', async () => {
    const a = await setup({
      systems: [{ id: 'S1', resetTypes: ['On', 'ForceOff', 'PowerCycle', 'ForceRestart'] }],
    });
    expect((await a.client.reset('cycle', sig())).resetType).toBe('PowerCycle');
    const b = await setup(); // public-rackmount1 advertises ForceRestart, no PowerCycle
    expect((await b.client.reset('cycle', sig())).resetType).toBe('ForceRestart');
    expect(b.server.resets).toEqual([{ systemId: '437XR1138R2', resetType: 'ForceRestart', status: 204 }]);
  });

  it('reads the allowable values from @Redfish.ActionInfo when the action links one', async () => {
    const { server, client } = await setup({
      systems: [{ id: 'S1', actionInfo: true, resetTypes: ['On', 'ForceOff'] }],
    });
    expect((await client.reset('soft', sig()).catch((e: Error) => e)) as Error).toBeInstanceOf(HavocError);
    expect(await client.reset('off', sig())).toMatchObject({ resetType: 'ForceOff', httpStatus: 204 });
    expect(server.requests.some((r) => r.path === '/redfish/v1/Systems/S1/ResetActionInfo')).toBe(true);
  });

  it('with no advertised list at all, sends the standard type and lets the checked answer decide', async () => {
    const { server, client } = await setup({ systems: [{ id: 'S1', noAllowableValues: true }] });
    expect(await client.reset('soft', sig())).toMatchObject({
      resetType: 'GracefulShutdown',
      httpStatus: 204,
    });
    expect(server.powerState('S1')).toBe('Off');
  });
});

describe('Redfish client: deadlines', () => {
  let silent: Server | undefined;
  const sockets: Socket[] = [];
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    await new Promise<void>((resolve) => (silent ? silent.close(() => resolve()) : resolve()));
    silent = undefined;
  });

  it('a BMC that accepts TCP and never answers gives a TimeoutError at the deadline', async () => {
    silent = createServer((s) => sockets.push(s));
    await new Promise<void>((resolve) => silent!.listen(0, '127.0.0.1', () => resolve()));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    const client = new RedfishClient({
      baseUrl: url,
      user: 'admin',
      password: 'x',
      target: `Redfish BMC (${url})`,
      redactor: new Redactor(),
    });
    clients.push(client);
    const err = await rejection(client.powerState(deadlineSignal(300, 'Redfish status')));
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err.message).toContain('Redfish status did not finish within 300 ms');
  });

  it('nothing listening: a clear "connection refused" error naming the BMC', async () => {
    silent = createServer();
    await new Promise<void>((resolve) => silent!.listen(0, '127.0.0.1', () => resolve()));
    const port = (silent.address() as AddressInfo).port;
    await new Promise<void>((resolve) => silent!.close(() => resolve()));
    silent = undefined;
    const client = new RedfishClient({
      baseUrl: `http://127.0.0.1:${port}`,
      user: 'a',
      password: 'x',
      target: 'Redfish BMC of h9',
      redactor: new Redactor(),
    });
    clients.push(client);
    const err = await rejection(client.powerState(sig()));
    expect((err as HavocError).code).toBe('unreachable');
    expect(err.message).toContain('Redfish BMC of h9: connection refused');
  });
});
