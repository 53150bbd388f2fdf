import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { deadlineSignal } from '../../core/deadline.js';
import { AuthError, type HavocError } from '../../core/errors.js';
import { Redactor } from '../../core/redact.js';
import type { CimcBmcConfig } from '../../inventory/schema.js';
import { CimcClient } from '../../protocols/cimc/client.js';
import { type CimcServerOptions, CimcTestServer } from '../../test/support/cimc-server.js';
import { createTestCa, type TestCa } from '../../test/support/test-ca.js';
import type { FenceDevice } from '../device.js';
import { createCimcDevice } from './cimc.js';

const SRC = '(CIMC test server built from Cisco IMC XML API guide and imcsdk)';

const servers: CimcTestServer[] = [];
const devices: FenceDevice[] = [];

afterEach(async () => {
  for (const d of devices.splice(0)) await d.close?.().catch(() => undefined);
  for (const s of servers.splice(0)) await s.stop();
});

function config(server: CimcTestServer, extra: Partial<CimcBmcConfig> = {}): CimcBmcConfig {
  return {
    type: 'cimc',
    url: server.url,
    user: server.user,
    password: { env: 'HAVOC_TEST_CIMC_PASSWORD' },
    insecureTls: false,
    ...extra,
  };
}

async function setup(opts: CimcServerOptions = {}, password?: string) {
  const server = await CimcTestServer.start(opts);
  servers.push(server);
  const device = createCimcDevice(config(server), password ?? server.password, {
    hostName: 'host3',
    redactor: new Redactor(),
  });
  devices.push(device);
  return { server, device };
}

const sig = () => deadlineSignal(5000, 'test operation');

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection, got success');
}

describe(`CIMC fence device ${SRC}`, () => {
  it('off, on and cycle set adminPower on sys/rack-unit-1; status reads operPower; close logs out', async () => {
    const { server, device } = await setup();
    expect(device.kind).toBe('power');
    expect(device.description).toBe(`Cisco IMC of host3 (${server.url}, user admin)`);
    expect(await device.status(sig())).toBe('on');
    await device.off(sig());
    expect(await device.status(sig())).toBe('off');
    await device.on(sig());
    expect(await device.status(sig())).toBe('on');
    await device.cycle!(sig());
    expect(server.requests.filter((r) => r.method === 'configConfMo').map((r) => r.adminPower)).toEqual([
      'down',
      'up',
      'cycle-immediate',
    ]);
    await device.close!();
    expect(server.sessions.size).toBe(1);
    expect(server.openSessions()).toBe(0);
    expect(server.requests.at(-1)?.method).toBe('aaaLogout');
  });

  it('registers the session cookie with the redactor as a secret the moment it is received', async () => {
    const server = await CimcTestServer.start();
    servers.push(server);
    const redactor = new Redactor();
    const device = createCimcDevice(config(server), server.password, { hostName: 'host3', redactor });
    devices.push(device);
    await device.status(sig());
    const cookie = [...server.sessions.keys()][0];
    expect(cookie).toBeDefined();
    expect(redactor.redact(`cookie ${cookie}`)).toBe('cookie [redacted]');
    // After aaaLogout the cookie logs nobody in: forgotten, so a device per scrape does not grow the redactor.
    await device.close!();
    expect(redactor.size).toBe(0);
  });

  it('slow power-off: status stays "on" while operPower is on, "off" once the CIMC reports off', async () => {
    const { server, device } = await setup({ powerOffDelayMs: 3_600_000 });
    await device.off(sig());
    expect(await device.status(sig())).toBe('on');
    server.finishPowerOff();
    expect(await device.status(sig())).toBe('off');
  });

  it('list gives the rack unit with its state; monitor is aaaLogin, configResolveDn, aaaLogout', async () => {
    const { server, device } = await setup({ operPower: 'off' });
    expect(await device.list!(sig())).toEqual([
      { id: 'sys/rack-unit-1', state: 'off', description: 'UCS C240 M3L, UCSC-C240-M3L, serial FCH1752V07Z' },
    ]);
    await device.close!();
    const before = server.requests.length;
    await device.monitor(sig());
    expect(server.requests.slice(before).map((r) => r.method)).toEqual([
      'aaaLogin',
      'configResolveDn',
      'aaaLogout',
    ]);
    expect(server.openSessions()).toBe(0);
  });

  it('wrong password: AuthError from the single aaaLogin, with the CIMC errorCode and no retry', async () => {
    const { server, device } = await setup({}, 'wrong-password');
    const err = await rejection(device.off(deadlineSignal(2000, 'off')));
    expect(err).toBeInstanceOf(AuthError);
    expect(err.message).toContain(
      '"Authentication failed" (errorCode 551, invocationResult unidentified-fail)',
    );
    expect(err.message).not.toContain('wrong-password');
    expect(server.requests.map((r) => r.method)).toEqual(['aaaLogin']);
    expect(server.sessions.size).toBe(0);
  });

  it('a failed configConfMo surfaces errorCode/errorDescr, and the session is still logged out', async () => {
    const { server, device } = await setup({
      failConfig: { errorCode: '1000', errorDescr: 'Power state change failed' },
    });
    const err = await rejection(device.off(sig()));
    expect((err as HavocError).code).toBe('cimc-error');
    expect(err.message).toContain(
      'set adminPower=down on sys/rack-unit-1 failed: "Power state change failed" (errorCode 1000',
    );
    await device.close!();
    expect(server.openSessions()).toBe(0);
  });

  it('the 5th concurrent login gets the documented "Maximum sessions reached" error', async () => {
    const server = await CimcTestServer.start();
    servers.push(server);
    const leaky = Array.from(
      { length: 5 },
      (_, i) =>
        new CimcClient({
          url: server.url,
          user: server.user,
          password: server.password,
          target: `leaky client ${i}`,
          redactor: new Redactor(),
        }),
    );
    for (const c of leaky.slice(0, 4)) await c.login(sig());
    const err = await rejection(leaky[4]!.login(sig()));
    expect((err as HavocError).code).toBe('cimc-session-limit');
    expect(err.message).toContain('"Maximum sessions reached"');
    expect((err as HavocError).hint).toContain('4 XML API sessions');
    for (const c of leaky) await c.close(sig());
    expect(server.openSessions()).toBe(0);
  });

  it('10 consecutive fence operations never hit the 4-session limit', async () => {
    const server = await CimcTestServer.start();
    servers.push(server);
    for (let i = 0; i < 10; i++) {
      const device = createCimcDevice(config(server), server.password, {
        hostName: 'host3',
        redactor: new Redactor(),
      });
      try {
        if (i % 3 === 0) await device.monitor(sig());
        else await (i % 2 === 0 ? device.off(sig()) : device.on(sig()));
        await device.status(sig());
      } finally {
        await device.close!();
      }
    }
    expect(server.sessionLimitRefusals).toBe(0);
    expect(server.sessions.size).toBeGreaterThanOrEqual(10);
    expect(server.openSessions()).toBe(0);
  });

  it('a password containing " & < logs in (escaped), where string concatenation like fence_cisco_ucs breaks', async () => {
    const password = `s3"cr&t<pw'>`;
    const { server, device } = await setup({ password });
    expect(await device.status(sig())).toBe('on');
    expect(server.requests[0]).toMatchObject({
      method: 'aaaLogin',
      attrs: { inName: 'admin', inPassword: password },
    });

    // The fence_cisco_ucs way: '<aaaLogin inName="' + user + '" inPassword="' + password + '" />'.
    const concatenated = `<aaaLogin inName="admin" inPassword="${password}" />`;
    const res = await fetch(`${server.url}/nuova`, { method: 'POST', body: concatenated, signal: sig() });
    expect(await res.text()).toContain('errorCode="ERR-xml-parse-error"');
  });
});

describe(`CIMC fence device over HTTPS with a CA made by openssl at test time ${SRC}`, () => {
  let ca: TestCa;
  let server: CimcTestServer;
  beforeAll(async () => {
    ca = await createTestCa();
    server = await CimcTestServer.start({ tls: { key: ca.key, cert: ca.cert } });
  });
  afterAll(async () => {
    await server?.stop();
    await ca?.remove();
  });

  it('untrusted certificate: TLS error; caFile: works; insecureTls: works', async () => {
    const untrusted = createCimcDevice(config(server), server.password, {
      hostName: 'host3',
      redactor: new Redactor(),
    });
    devices.push(untrusted);
    const err = await rejection(untrusted.status(sig()));
    expect((err as HavocError).code).toBe('tls');
    expect(err.message).toContain('Cisco IMC of host3');

    const pinned = createCimcDevice(config(server, { caFile: ca.caFile }), server.password, {
      hostName: 'host3',
      redactor: new Redactor(),
    });
    devices.push(pinned);
    expect(await pinned.status(sig())).toBe('on');

    const insecure = createCimcDevice(config(server, { insecureTls: true }), server.password, {
      hostName: 'host3',
      redactor: new Redactor(),
    });
    devices.push(insecure);
    expect(await insecure.status(sig())).toBe('on');
  });
});
