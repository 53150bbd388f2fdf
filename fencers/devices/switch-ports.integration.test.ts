import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil } from '../../core/deadline.js';
import { AuthError } from '../../core/errors.js';
import type { SwitchConfig } from '../../inventory/schema.js';
import { readPortStatus } from '../../protocols/snmp/if-mib.js';
import { SnmpSession } from '../../protocols/snmp/session.js';
import { type SnmpdAgent, startSnmpd } from '../../test/support/snmpd.js';
import type { FenceDevice } from '../device.js';
import { createSwitchPortsDevice, type SwitchSecrets } from './switch-ports.js';

let agent: SnmpdAgent;
const devices: FenceDevice[] = [];
const signal = () => AbortSignal.timeout(20_000);

function switchConfig(version: '2c' | '3'): SwitchConfig {
  return {
    name: 'sw1',
    address: agent.address,
    port: agent.port,
    snmp:
      version === '2c'
        ? { version: '2c', community: { env: 'UNUSED' }, writeCommunity: { env: 'UNUSED' } }
        : {
            version: '3',
            user: agent.v3.user,
            authProtocol: 'sha',
            authKey: { env: 'UNUSED' },
            privProtocol: 'aes',
            privKey: { env: 'UNUSED' },
          },
    ports: [],
  };
}

function device(version: '2c' | '3', ports: string[], secrets?: SwitchSecrets): FenceDevice {
  const d = createSwitchPortsDevice(
    [
      {
        switch: switchConfig(version),
        secrets:
          secrets ??
          (version === '2c'
            ? { community: agent.readCommunity, writeCommunity: agent.writeCommunity }
            : { authKey: agent.v3.authKey, privKey: agent.v3.privKey }),
        ports,
      },
    ],
    { hostName: 'host1' },
  );
  devices.push(d);
  return d;
}

/** What the fencers/ verify loop does: poll status until it reads `want`. */
function until(d: FenceDevice, want: 'on' | 'off') {
  return pollUntil(
    async (s) => ((await d.status(s)) === want ? want : undefined),
    AbortSignal.timeout(15_000),
    {
      initialMs: 20,
      maxMs: 500,
    },
  );
}

beforeAll(async () => {
  agent = await startSnmpd({ ports: 4, addressedPorts: 2 });
});
afterAll(async () => {
  for (const d of devices) await d.close?.();
  await agent?.stop();
});

describe.each(['2c', '3'] as const)('switch-port fencing over SNMP v%s against net-snmp snmpd', (version) => {
  it('off: every port goes admin and oper down, and a ping across the veth fails; on: restored', async () => {
    // swp1 by ifName, swp2 by its ifAlias
    const d = device(version, ['swp1', 'host2 eth0']);
    expect(await agent.ping('swp1', signal())).toBe(true);
    expect(await d.status(signal())).toBe('on');

    await d.off(signal());
    await until(d, 'off');
    expect(await agent.kernelState('swp1')).toBe('DOWN');
    expect(await agent.kernelState('swp2')).toBe('DOWN');
    expect(await agent.ping('swp1', signal())).toBe(false);
    expect(await agent.ping('swp2', signal())).toBe(false);
    // The other ports were not touched.
    expect(await agent.kernelState('swp3')).toBe('UP');

    await d.on(signal());
    await until(d, 'on');
    // Each port's link comes back on its own: one answering says nothing of the other (a CI run pinged swp2
    // once right after swp1 answered, too early).
    for (const port of ['swp1', 'swp2'])
      await pollUntil(
        async (s) => ((await agent.ping(port, s)) ? true : undefined),
        AbortSignal.timeout(10_000),
        {
          initialMs: 50,
          maxMs: 500,
        },
      );
  });

  it('status stays "on" for a port whose link is down while it is admin up (a flap is not a fence)', async () => {
    const d = device(version, ['swp3']);
    await agent.setLink('swp3', false, 'host');
    try {
      const session = new SnmpSession({
        host: agent.address,
        port: agent.port,
        credentials: { version: '2c', community: agent.readCommunity },
      });
      const swp3 = agent.ports[2]?.ifIndex ?? 0;
      try {
        // Wait until the agent itself reads the port oper down (snmpd caches ifTable for a few seconds).
        await pollUntil(
          async (s) =>
            (await readPortStatus(session, [swp3], s)).get(swp3)?.oper === 'down' ? true : undefined,
          AbortSignal.timeout(15_000),
          { initialMs: 50, maxMs: 500 },
        );
      } finally {
        session.close();
      }
      expect(await d.status(signal())).toBe('on');
    } finally {
      await agent.setLink('swp3', true, 'host');
    }
  });

  it('monitor answers with the write credentials; list shows every port with alias and state', async () => {
    const d = device(version, ['swp4']);
    await d.monitor(signal());
    const list = await d.list?.(signal());
    const swp4 = list?.find((e) => e.id === 'sw1/swp4');
    expect(swp4?.description).toMatch(/ifIndex \d+, alias "host4 eth0", admin up, oper up/);
    expect(swp4?.state).toBe('on');
    expect(list?.some((e) => e.id === 'sw1/lo')).toBe(true);
  });
});

describe('switch-port fencing failures', () => {
  it('monitor with a wrong v3 key is an AuthError without the key', async () => {
    const d = device('3', ['swp1'], { authKey: 'wrong-key-12345', privKey: agent.v3.privKey });
    const err = await d.monitor(signal()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect(String((err as AuthError).describe())).not.toContain('wrong-key-12345');
  });

  it('a port that does not exist is an error naming it, before anything is set', async () => {
    const d = device('2c', ['swp1', 'swp99']);
    await expect(d.off(signal())).rejects.toThrow(/"swp99"/);
    expect(await agent.kernelState('swp1')).toBe('UP');
  });
});
