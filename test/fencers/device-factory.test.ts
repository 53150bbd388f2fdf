import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { Redactor } from '../../core/redact.js';
import { closeFenceContext, createFenceContext } from '../../fencers/context.js';
import { fenceHost } from '../../fencers/fence-host.js';
import { fencingReadiness } from '../../fencers/readiness.js';
import { InventoryError } from '../../inventory/issues.js';
import { parseInventory } from '../../inventory/load.js';
import { host, type InventoryInput, inventory } from '../inventory/build.js';
import { silentLog } from './ipmi-topology.js';

/*
 * The fencer (fenceHost) and the exporter's fencing readiness get their
 * devices from the one device factory, so for the same inventory they must
 * see the same devices, level by level, described the same way. Nothing here
 * answers (the BMC and the switches are closed loopback ports): what is
 * compared is which devices each side built and asked, not what they read.
 */

const SECRET_ENV = 'HAVOC_TEST_FACTORY_SECRET';
const DEAD = { address: '127.0.0.1', port: 9 };

// h1: bond0 (hb, storage) on sw1 h1-a and sw2 h1-b; eth2 (data) on sw1 h1-c.
const h1 = host('h1', {
  bmc: { type: 'ipmi', ...DEAD, user: 'fence', password: { env: SECRET_ENV } },
  nics: [{ name: 'eth2', networks: ['data'], switchPort: { switch: 'sw1', port: 'h1-c' } }],
  fencing: {
    timeoutSeconds: 1,
    levels: [
      { devices: [{ type: 'bmc' }] },
      { devices: [{ type: 'switch-ports', networks: ['storage'] }] },
      { devices: [{ type: 'switch-ports', ports: [{ switch: 'sw2', port: 'spare-7' }] }] },
      // Both: the ports on data, then the listed one (the readiness check once took only the list).
      {
        devices: [
          { type: 'switch-ports', networks: ['data'], ports: [{ switch: 'sw2', port: 'spare-7' }] },
          { type: 'bmc' },
        ],
      },
    ],
  },
});

function input(levels?: InventoryInput['hosts'][number]['fencing']): InventoryInput {
  const base = inventory();
  return {
    ...base,
    networks: [...(base.networks ?? []), { name: 'data', role: 'data', mtu: 1500 }],
    switches: (base.switches ?? []).map((s) => ({
      ...s,
      ...DEAD,
      snmp: { version: '2c', community: { env: SECRET_ENV } },
    })),
    hosts: [levels ? { ...h1, fencing: levels } : h1, host('h2'), host('h3')],
  };
}

function parse(doc: InventoryInput) {
  return parseInventory('/test/factory.yaml', stringify(doc), new Redactor());
}

beforeAll(() => {
  process.env[SECRET_ENV] = 'factory-secret';
});
afterAll(() => {
  delete process.env[SECRET_ENV];
});

describe('fence devices: the fencer and the fencing readiness collector build the same ones', () => {
  it('same devices per level (a bmc level, switch ports by networks, by ports, and by both)', async () => {
    const loaded = parse(input());
    const hostConfig = loaded.inventory.hosts[0]!;
    const ctx = createFenceContext(loaded, silentLog, 300);
    try {
      const fenced = await fenceHost(hostConfig, 'monitor', ctx);
      const ready = await fencingReadiness(hostConfig, ctx, AbortSignal.timeout(2000));
      const fencerLevels = fenced.levels.map((l) => l.devices.map((d) => d.device));
      const readinessLevels = ready.map((l) => l.devices.map((d) => d.device));
      expect(readinessLevels).toEqual(fencerLevels);
      expect(readinessLevels).toEqual([
        ['IPMI BMC of h1 (127.0.0.1:9, user fence)'],
        ['switch ports of h1 (sw1 h1-a; sw2 h1-b)'],
        ['switch ports of h1 (sw2 spare-7)'],
        ['switch ports of h1 (sw1 h1-c; sw2 spare-7)', 'IPMI BMC of h1 (127.0.0.1:9, user fence)'],
      ]);
      // Nothing answers: both sides say not ready, for every device.
      expect(fenced.ok).toBe(false);
      expect(ready.map((l) => l.ready)).toEqual([false, false, false, false]);
      expect(ready.flatMap((l) => l.devices).every((d) => d.error !== undefined)).toBe(true);
    } finally {
      closeFenceContext(ctx);
    }
  });

  it('a switch-ports level with neither networks nor ports is refused at validation, with its YAML path', () => {
    const err = (() => {
      try {
        parse(input({ timeoutSeconds: 1, levels: [{ devices: [{ type: 'switch-ports' }] }] }));
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(InventoryError);
    expect((err as InventoryError).issues).toEqual([
      expect.objectContaining({
        path: 'hosts[0].fencing.levels[0].devices[0]',
        message: 'a switch-ports device needs networks or ports',
        line: expect.any(Number),
      }),
    ]);
  });

  it('a switch-ports level whose networks hold none of the host switch ports is refused at validation too', () => {
    const doc = input({
      timeoutSeconds: 1,
      levels: [{ devices: [{ type: 'switch-ports', networks: ['data'] }] }],
    });
    // eth2 carries data but declares no switchPort.
    doc.hosts[0] = { ...doc.hosts[0]!, nics: [{ name: 'eth2', networks: ['data'] }] };
    expect(() => parse(doc)).toThrow(
      /hosts\[0\]\.fencing\.levels\[0\]\.devices\[0\]\.networks: host "h1" has no switch port on data: this level would fence nothing/,
    );
  });

  it('an inventory built in code with such a level: the fencer and the readiness collector refuse it alike', async () => {
    const loaded = parse(input());
    const hostConfig = loaded.inventory.hosts[0]!;
    // What validation refuses, set after it: a level with neither networks nor ports.
    hostConfig.fencing.levels = [{ devices: [{ type: 'switch-ports' }] }];
    const ctx = createFenceContext(loaded, silentLog, 300);
    try {
      const fencerError = await fenceHost(hostConfig, 'monitor', ctx).then(
        () => 'no error',
        (e: unknown) => (e as Error).message,
      );
      const [level] = await fencingReadiness(hostConfig, ctx, AbortSignal.timeout(2000));
      expect(fencerError).toBe(
        'hosts.h1.fencing.levels[0].devices[0]: host h1 has no switch port listed: this level would fence nothing',
      );
      expect(level?.ready).toBe(false);
      expect(level?.devices[0]?.error).toMatch(new RegExp(`^${fencerError.replace(/[[\].]/g, '\\$&')}: `));
    } finally {
      closeFenceContext(ctx);
    }
  });
});
