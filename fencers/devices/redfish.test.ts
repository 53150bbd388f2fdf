import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { deadlineSignal, pollUntil } from '../../core/deadline.js';
import { AuthError, HavocError } from '../../core/errors.js';
import { Redactor } from '../../core/redact.js';
import type { RedfishBmcConfig } from '../../inventory/schema.js';
import { type RedfishServerOptions, RedfishTestServer } from '../../test/support/redfish-server.js';
import { createTestCa, type TestCa } from '../../test/support/test-ca.js';
import type { FenceDevice } from '../device.js';
import { createRedfishDevice } from './redfish.js';

const SRC = '(Redfish test server after DMTF mockup public-rackmount1)';

const servers: RedfishTestServer[] = [];
const devices: FenceDevice[] = [];

afterEach(async () => {
  for (const d of devices.splice(0)) await d.close?.().catch(() => undefined);
  for (const s of servers.splice(0)) await s.stop();
});

function config(server: RedfishTestServer, extra: Partial<RedfishBmcConfig> = {}): RedfishBmcConfig {
  return {
    type: 'redfish',
    baseUrl: server.url,
    user: server.user,
    password: { env: 'HAVOC_TEST_REDFISH_PASSWORD' },
    insecureTls: false,
    ...extra,
  };
}

async function setup(
  opts: RedfishServerOptions = {},
  extra: Partial<RedfishBmcConfig> = {},
  password?: string,
) {
  const server = await RedfishTestServer.start(opts);
  servers.push(server);
  const device = createRedfishDevice(config(server, extra), password ?? server.password, {
    hostName: 'host2',
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

describe(`Redfish fence device ${SRC}`, () => {
  it('is a power device whose description names host, URL and user but not the password', async () => {
    const { server, device } = await setup();
    expect(device.kind).toBe('power');
    expect(device.description).toBe(`Redfish BMC of host2 (${server.url}, user admin)`);
    expect(device.description).not.toContain(server.password);
  });

  it('slow PoweringOff: status stays "on" while the BMC says PoweringOff, "off" only once it says Off', async () => {
    const { server, device } = await setup({ powerOffDelayMs: 3_600_000 });
    await device.off(sig());
    expect(server.powerState('437XR1138R2')).toBe('PoweringOff');
    expect(await device.status(sig())).toBe('on');
    expect(await device.status(sig())).toBe('on');
    server.finishTransitions();
    expect(await device.status(sig())).toBe('off');
  });

  it('a short PoweringOff, polled the way the fencer polls: every "on" comes before the first "off"', async () => {
    const { device } = await setup({ powerOffDelayMs: 150 });
    await device.off(sig());
    const seen: string[] = [];
    await pollUntil(
      async (s) => {
        const state = await device.status(s);
        seen.push(state);
        return state === 'off' ? state : undefined;
      },
      deadlineSignal(10_000, 'power off verification'),
      { initialMs: 20, maxMs: 500 },
    );
    expect(seen.at(-1)).toBe('off');
    expect(seen.slice(0, -1).every((s) => s === 'on')).toBe(true);
  });

  it('on, cycle (ForceRestart on public-rackmount1) and list', async () => {
    const { server, device } = await setup({ systems: [{ id: '437XR1138R2', powerState: 'Off' }] });
    expect(await device.status(sig())).toBe('off');
    await device.on(sig());
    expect(await device.status(sig())).toBe('on');
    await device.cycle!(sig());
    expect(server.resets.map((r) => r.resetType)).toEqual(['On', 'ForceRestart']);
    expect(await device.list!(sig())).toEqual([
      { id: '437XR1138R2', description: 'WebFrontEnd483', state: 'on' },
    ]);
  });

  it('list names every system of a multi-system BMC', async () => {
    const { device } = await setup({ systems: [{ id: 'Blade1' }, { id: 'Blade2', powerState: 'Off' }] });
    expect((await device.list!(sig())).map((e) => [e.id, e.state])).toEqual([
      ['Blade1', 'on'],
      ['Blade2', 'off'],
    ]);
  });

  it('monitor logs in, reads the state and deletes its session', async () => {
    const { server, device } = await setup();
    await device.monitor(sig());
    expect(server.sessions.size).toBe(1);
    expect(server.openSessions()).toBe(0);
  });

  it('monitor with a wrong password: AuthError, no session left behind', async () => {
    const { server, device } = await setup({}, {}, 'not-the-password');
    const err = await rejection(device.monitor(deadlineSignal(2000, 'monitor')));
    expect(err).toBeInstanceOf(AuthError);
    expect(err.message).toContain('Redfish BMC of host2');
    expect(server.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
    expect(server.openSessions()).toBe(0);
  });

  it('the session is deleted on every path: success, 500 on reset, refused ResetType, 409 with the wrong state', async () => {
    const cases: { opts: RedfishServerOptions; run: (d: FenceDevice) => Promise<unknown>; fails: boolean }[] =
      [
        { opts: {}, run: (d) => d.off(sig()), fails: false },
        { opts: { failReset: true }, run: (d) => d.off(sig()), fails: true },
        { opts: { systems: [{ id: 'S', resetTypes: ['On'] }] }, run: (d) => d.off(sig()), fails: true },
        { opts: { systems: [{ id: 'S', powerState: 'Off' }] }, run: (d) => d.cycle!(sig()), fails: true },
      ];
    for (const c of cases) {
      const { server, device } = await setup(c.opts);
      const outcome = await c.run(device).then(
        () => 'ok',
        (err: Error) => err,
      );
      if (c.fails) expect(outcome).toBeInstanceOf(HavocError);
      else expect(outcome).toBe('ok');
      await device.close!();
      expect(server.sessions.size).toBe(1);
      expect(server.openSessions()).toBe(0);
    }
  });

  it('10 consecutive fence operations never exhaust a BMC that allows 2 sessions', async () => {
    const server = await RedfishTestServer.start({ sessionLimit: 2 });
    servers.push(server);
    for (let i = 0; i < 10; i++) {
      const device = createRedfishDevice(config(server), server.password, {
        hostName: 'host2',
        redactor: new Redactor(),
      });
      try {
        await (i % 2 === 0 ? device.off(sig()) : device.on(sig()));
        expect(await device.status(sig())).toBe(i % 2 === 0 ? 'off' : 'on');
      } finally {
        await device.close!();
      }
    }
    expect(server.sessions.size).toBe(10);
    expect(server.openSessions()).toBe(0);
  });
});

describe(`Redfish fence device over HTTPS with a CA made by openssl at test time ${SRC}`, () => {
  let ca: TestCa;
  let server: RedfishTestServer;
  beforeAll(async () => {
    ca = await createTestCa();
    server = await RedfishTestServer.start({ tls: { key: ca.key, cert: ca.cert } });
  });
  afterAll(async () => {
    await server?.stop();
    await ca?.remove();
  });

  it('an untrusted certificate is refused with a TLS error that says to set caFile', async () => {
    const device = createRedfishDevice(config(server), server.password, {
      hostName: 'host2',
      redactor: new Redactor(),
    });
    devices.push(device);
    const err = await rejection(device.status(sig()));
    expect((err as HavocError).code).toBe('tls');
    expect(err.message).toContain('TLS certificate not trusted');
    expect((err as HavocError).hint).toContain('caFile');
  });

  it('a caFile of another CA is refused too', async () => {
    const device = createRedfishDevice(config(server, { caFile: ca.otherCaFile }), server.password, {
      hostName: 'host2',
      redactor: new Redactor(),
    });
    devices.push(device);
    expect(((await rejection(device.status(sig()))) as HavocError).code).toBe('tls');
  });

  it('caFile of the signing CA: verified and working', async () => {
    const device = createRedfishDevice(config(server, { caFile: ca.caFile }), server.password, {
      hostName: 'host2',
      redactor: new Redactor(),
    });
    devices.push(device);
    expect(await device.status(sig())).toBe('on');
  });

  it('insecureTls: true works without a CA', async () => {
    const device = createRedfishDevice(config(server, { insecureTls: true }), server.password, {
      hostName: 'host2',
      redactor: new Redactor(),
    });
    devices.push(device);
    expect(await device.status(sig())).toBe('on');
  });

  it('a caFile that does not exist is a clear configuration error', async () => {
    const device = createRedfishDevice(config(server, { caFile: '/nonexistent/ca.pem' }), server.password, {
      hostName: 'host2',
      redactor: new Redactor(),
    });
    devices.push(device);
    const err = await rejection(device.status(sig()));
    expect(err.message).toContain('cannot read caFile /nonexistent/ca.pem (ENOENT)');
  });
});
