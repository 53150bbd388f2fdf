import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil } from '../../core/deadline.js';
import { AuthError, type HavocError, TimeoutError } from '../../core/errors.js';
import {
  freeUdpPort,
  type IpmiSimFixture,
  startIpmiSimFixture,
} from '../../test/support/ipmi-sim-fixture.js';
import { CipherSuiteMemory, IpmiClient, type IpmiClientOptions, IpmiCompletionError } from './index.js';

const run = promisify(execFile);

/** ipmitool against the fixture; the password travels in IPMI_PASSWORD (-E), not argv. */
async function ipmitool(
  fx: IpmiSimFixture,
  args: string[],
  opts: { suite?: number; password?: string } = {},
) {
  const { stdout } = await run(
    'ipmitool',
    [
      '-I',
      'lanplus',
      '-C',
      String(opts.suite ?? 3),
      '-H',
      '127.0.0.1',
      '-p',
      String(fx.port),
      '-U',
      fx.admin.name,
      '-E',
      ...args,
    ],
    { env: { ...process.env, IPMI_PASSWORD: opts.password ?? fx.admin.password }, timeout: 15_000 },
  );
  return stdout;
}

/** Active sessions on the BMC, not counting the one ipmitool opens to ask. */
async function activeSessions(fx: IpmiSimFixture): Promise<number> {
  const out = await ipmitool(fx, ['session', 'info', 'active']);
  const m = /active sessions\s*:\s*(\d+)/.exec(out);
  if (!m) throw new Error(`unexpected ipmitool session info output: ${out}`);
  return Number(m[1]) - 1;
}

function client(fx: IpmiSimFixture, extra: Partial<IpmiClientOptions> = {}, memory?: CipherSuiteMemory) {
  return new IpmiClient(
    { host: '127.0.0.1', port: fx.port, user: fx.admin.name, password: fx.admin.password, ...extra },
    memory,
  );
}

async function caught(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected the operation to fail');
}

const signal = () => AbortSignal.timeout(20_000);

describe('IpmiClient against ipmi_sim (real BMC, cipher suite 3)', () => {
  let fx: IpmiSimFixture;
  beforeAll(async () => {
    fx = await startIpmiSimFixture('normal');
  });
  afterAll(async () => {
    await fx?.stop();
  });
  afterEach(async () => {
    // Close Session went out on every path the test took.
    expect(await activeSessions(fx)).toBe(0);
  });

  it('reads chassis status and device ID, falling back from suite 17 to 3 and remembering it', async () => {
    const memory = new CipherSuiteMemory();
    const status = await client(fx, {}, memory).chassisStatus(signal());
    expect(status.powerOn).toBe(true);
    expect(memory.get('127.0.0.1', fx.port)).toBe(3);
    const id = await client(fx, {}, memory).deviceId(signal());
    expect(id).toMatchObject({ ipmiVersion: '2.0', manufacturerId: 0x1291, productId: 0x0f02 });
  });

  it('powers down, up, cycles, resets and soft-offs through the chassis script', async () => {
    const c = client(fx);
    await c.chassisControl('powerDown', signal());
    expect(await fx.power()).toBe(0);
    expect((await c.chassisStatus(signal())).powerOn).toBe(false);
    await c.chassisControl('powerUp', signal());
    expect(await fx.power()).toBe(1);
    await c.chassisControl('hardReset', signal());
    await c.chassisControl('softOff', signal());
    await c.chassisControl('powerCycle', signal());
    // ipmi_sim powers back on by itself once it has read the power as off.
    await pollUntil(
      async () => ((await fx.calls()).slice(-1)[0] === 'set power 1' ? true : undefined),
      signal(),
      {
        initialMs: 50,
        maxMs: 300,
      },
    );
    const calls = await fx.calls();
    expect(calls).toContain('set reset 1');
    expect(calls).toContain('set shutdown 1');
    expect(calls.slice(calls.lastIndexOf('set shutdown 1'))).toEqual(
      expect.arrayContaining(['set power 0', 'get power', 'set power 1']),
    );
  });

  it('runs several commands on one session with the operator account', async () => {
    const c = client(fx, { user: fx.operator.name, password: fx.operator.password, privilege: 'operator' });
    const seen = await c.withSession(signal(), async (s) => {
      await s.chassisControl('powerDown');
      const off = (await s.chassisStatus()).powerOn;
      await s.chassisControl('powerUp');
      const on = (await s.chassisStatus()).powerOn;
      return { off, on, suite: s.cipherSuite };
    });
    expect(seen).toEqual({ off: false, on: true, suite: 3 });
  });

  it('names the completion code when the BMC refuses a sub-function (diagnostic interrupt -> 0xcc)', async () => {
    const err = await caught(client(fx).chassisControl('diagnosticInterrupt', signal()));
    expect(err).toBeInstanceOf(IpmiCompletionError);
    expect((err as IpmiCompletionError).completionCode).toBe(0xcc);
    expect((err as HavocError).describe()).toContain('invalid data field in request (0xcc)');
  });

  it('refuses a command above the session privilege with a clear 0xd4 error', async () => {
    const c = client(fx, { user: fx.operator.name, password: fx.operator.password, privilege: 'user' });
    const err = await caught(c.chassisControl('powerDown', signal()));
    expect((err as HavocError).describe()).toContain('insufficient privilege level (0xd4)');
    expect(await fx.power()).toBe(1);
  });

  it('fails a wrong password with AuthError (no retry to the deadline), without the password in the message', async () => {
    const wrong = 'Wr0ng-Passw0rd';
    const err = await caught(client(fx, { password: wrong, timeoutMs: 10_000 }).chassisStatus(signal()));
    expect(err).toBeInstanceOf(AuthError);
    const text = (err as HavocError).describe();
    expect(text).toContain(`127.0.0.1:${fx.port} (user ${fx.admin.name})`);
    expect(text).toContain('wrong password');
    expect(text).not.toContain(wrong);
    expect(JSON.stringify(err)).not.toContain(wrong);
  });

  it('fails an unknown user with AuthError "unauthorized name"', async () => {
    const err = await caught(client(fx, { user: 'nosuchuser', timeoutMs: 10_000 }).chassisStatus(signal()));
    expect(err).toBeInstanceOf(AuthError);
    expect((err as HavocError).describe()).toContain('unauthorized name (0x0d)');
    expect((err as HavocError).describe()).not.toContain(fx.admin.password);
  });

  it('closes the session when the caller throws or aborts inside withSession', async () => {
    await expect(
      client(fx).withSession(signal(), async (s) => {
        await s.chassisStatus();
        throw new Error('caller failed');
      }),
    ).rejects.toThrow('caller failed');
    const controller = new AbortController();
    const aborted = client(fx).withSession(controller.signal, async (s) => {
      await s.chassisStatus();
      controller.abort(new Error('caller gave up'));
      await s.chassisStatus();
    });
    await expect(aborted).rejects.toThrow('caller gave up');
  });

  it('interoperates with ipmitool: each reads what the other set', async () => {
    await client(fx).chassisControl('powerDown', signal());
    expect(await ipmitool(fx, ['chassis', 'power', 'status'])).toContain('Chassis Power is off');
    await ipmitool(fx, ['chassis', 'power', 'on']);
    expect((await client(fx).chassisStatus(signal())).powerOn).toBe(true);
  });

  it('shows the cipher suite 0 hole: ipmitool -C 0 powers off with a WRONG password; havoc refuses suite 0 unless allowed', async () => {
    await fx.setPower(1);
    expect(
      await ipmitool(fx, ['chassis', 'power', 'off'], { suite: 0, password: 'wrongpassword' }),
    ).toContain('Chassis Power Control: Down/Off');
    expect(await fx.power()).toBe(0);
    await fx.setPower(1);
    const refused = (() => {
      try {
        client(fx, { cipherSuites: [0], password: 'wrongpassword' });
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect((refused as HavocError).code).toBe('insecure-cipher');
    // Allowed explicitly, havoc can use the hole too: the refusal is policy, not inability.
    await client(fx, {
      cipherSuites: [0],
      allowCipherSuite0: true,
      password: 'wrongpassword',
    }).chassisControl('powerDown', signal());
    expect(await fx.power()).toBe(0);
    await fx.setPower(1);
  });
});

describe('IpmiClient against BMCs that misbehave', () => {
  it('times out at the deadline with a TimeoutError naming the target when nothing listens', async () => {
    const port = await freeUdpPort();
    const c = new IpmiClient({ host: '127.0.0.1', port, user: 'admin', password: 'Secret-123' });
    const err = await caught(c.chassisStatus(signal()));
    expect(err).toBeInstanceOf(TimeoutError);
    const text = (err as HavocError).describe();
    expect(text).toContain(`127.0.0.1:${port} (user admin)`);
    expect(text).toContain('Get Channel Authentication Capabilities');
    expect(text).not.toContain('Secret-123');
  });

  it('reports "still on" when the chassis script ignores power down', async () => {
    const fx = await startIpmiSimFixture('ignore-off');
    try {
      await client(fx).withSession(signal(), async (s) => {
        await s.chassisControl('powerDown');
        expect((await s.chassisStatus()).powerOn).toBe(true);
        expect((await s.chassisStatus()).powerOn).toBe(true);
      });
      expect(await fx.calls()).toContain('set power 0');
      expect(await fx.power()).toBe(1);
    } finally {
      await fx.stop();
    }
  });

  it('observes a slow power down (1.5 s) by polling status on the same session', async () => {
    const fx = await startIpmiSimFixture('slow-off');
    try {
      const polls = await client(fx).withSession(signal(), async (s) => {
        await s.chassisControl('powerDown');
        let n = 0;
        await pollUntil(
          async () => {
            n++;
            return (await s.chassisStatus()).powerOn ? undefined : true;
          },
          AbortSignal.timeout(15_000),
          { initialMs: 50, maxMs: 250 },
        );
        return n;
      });
      expect(polls).toBeGreaterThan(1);
      expect(await fx.power()).toBe(0);
      expect(await activeSessions(fx)).toBe(0);
    } finally {
      await fx.stop();
    }
  });
});
