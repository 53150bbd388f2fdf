import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { Redactor } from '../../core/redact.js';
import { COLLECTORS } from '../../exporters/collectors/index.js';
import { runProbe } from '../../exporters/probe.js';
import { type RunningExporter, startExporter } from '../../exporters/server.js';
import { closeFenceContext, createFenceContext } from '../../fencers/context.js';
import { fenceHost } from '../../fencers/fence-host.js';
import { fencingReadiness } from '../../fencers/readiness.js';
import { type LoadedInventory, loadInventory } from '../../inventory/load.js';
import { labDown } from '../../lab/down.js';
import { readPortStatus, setAdminStatus } from '../../protocols/snmp/if-mib.js';
import { SnmpSession } from '../../protocols/snmp/session.js';
import { tempDir } from '../support/temp-dir.js';
import { bringUpLab, eventually, ipmitoolPower, probe } from './exporter-lab.js';

/*
 * The exporter's switch, bmc and fencing-readiness collectors through its HTTP server, against the
 * lab's real peers: snmpd in the switch namespace, one ipmi_sim per host whose
 * chassis control really stops and starts the host.
 */

const LAB = 'ex1';
const log = pino({ level: 'silent' });
let loaded: LoadedInventory;
let exporter: RunningExporter;

beforeAll(async () => {
  ({ loaded } = await bringUpLab(LAB));
  exporter = await startExporter({
    loaded,
    collectors: COLLECTORS,
    listen: { host: '127.0.0.1', port: 0 },
    log,
  });
});

afterAll(async () => {
  await exporter?.close();
  await labDown({ name: LAB, env: process.env, signal: AbortSignal.timeout(60_000) });
});

function sample(text: string, name: string, labels: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('exporter on the lab: switch module (snmpd)', () => {
  it('a port set admin-down over SNMP shows oper state down in the next scrape, up again after', async () => {
    const sw = loaded.inventory.switches[0]!;
    const portName = loaded.inventory.hosts[1]!.nics[0]!.switchPort!.port;
    const before = await probe(exporter.url, 'switch', sw.name);
    expect(before.status).toBe(200);
    expect(before.text).toContain('havoc_up{module="switch"} 1');
    const ifIndex = new RegExp(`havoc_switch_port_info\\{ifindex="(\\d+)",name="${portName}"`).exec(
      before.text,
    )?.[1];
    expect(ifIndex).toBeDefined();
    const oper = (text: string, state: string) =>
      sample(text, 'havoc_switch_port_oper_state', `{ifindex="${ifIndex}",state="${state}"}`);
    expect(oper(before.text, 'up')).toBe(1);

    const secrets = loaded.secrets;
    const snmp = sw.snmp;
    if (snmp.version !== '2c' || !snmp.writeCommunity)
      throw new Error('the lab switch speaks v2c with a write community');
    const agent = (community: string) =>
      new SnmpSession({ host: sw.address, port: sw.port, credentials: { version: '2c', community } });
    const write = agent(secrets.resolve(snmp.writeCommunity, 'writeCommunity'));
    const read = agent(secrets.resolve(snmp.community, 'community'));
    const ix = Number(ifIndex);
    const agentOper = async () => (await readPortStatus(read, [ix], AbortSignal.timeout(5000))).get(ix)?.oper;

    try {
      await setAdminStatus(write, ix, 'down', AbortSignal.timeout(5000));
      try {
        await eventually(`${portName} oper-down at the agent`, async () => (await agentOper()) === 'down');
        const after = await probe(exporter.url, 'switch', sw.name);
        expect(oper(after.text, 'down')).toBe(1);
        expect(oper(after.text, 'up')).toBe(0);
        expect(
          sample(after.text, 'havoc_switch_port_admin_state', `{ifindex="${ifIndex}",state="down"}`),
        ).toBe(1);
      } finally {
        await setAdminStatus(write, ix, 'up', AbortSignal.timeout(5000));
      }
      await eventually(`${portName} oper-up at the agent`, async () => (await agentOper()) === 'up');
    } finally {
      read.close();
      write.close();
    }
    expect(oper((await probe(exporter.url, 'switch', sw.name)).text, 'up')).toBe(1);
  });
});

describe('exporter on the lab: declarations', () => {
  it('the switch and bmc collectors emit only families they declare (so docs/metrics.md is complete)', async () => {
    for (const [module, target] of [
      ['switch', loaded.inventory.switches[0]!.name],
      ['bmc', loaded.inventory.hosts[0]!.name],
    ] as const) {
      const result = await runProbe({
        target,
        module,
        collectors: COLLECTORS,
        context: { loaded, log, cache: new Map() },
        deadlineMs: 9500,
      });
      expect(result.outcomes.length).toBeGreaterThan(0);
      for (const o of result.outcomes) {
        expect(o.ok, o.message).toBe(true);
        expect(o.undeclared).toBeUndefined();
      }
    }
  });
});

describe('exporter on the lab: bmc module (ipmi_sim, driven by ipmitool)', () => {
  it('reads power on, then off after ipmitool powers the host off, then on again', async () => {
    const host = loaded.inventory.hosts[1]!;
    const power = (text: string, state: string) =>
      sample(text, 'havoc_bmc_power_state', `{state="${state}"}`);
    const first = await probe(exporter.url, 'bmc', host.name);
    expect(first.text).toContain('havoc_up{module="bmc"} 1');
    expect(sample(first.text, 'havoc_bmc_up', '')).toBe(1);
    expect(sample(first.text, 'havoc_bmc_auth_ok', '')).toBe(1);
    // ipmi_sim offers suite 3, not 17: the collector fell back and says which one worked.
    expect(sample(first.text, 'havoc_bmc_ipmi_cipher_suite', '')).toBe(3);
    expect(sample(first.text, 'havoc_bmc_response_seconds', '')).toBeGreaterThan(0);
    expect(power(first.text, 'on')).toBe(1);

    await ipmitoolPower(host, 'off');
    try {
      expect(await ipmitoolPower(host, 'status')).toMatch(/is off/);
      const off = await probe(exporter.url, 'bmc', host.name);
      expect(power(off.text, 'off')).toBe(1);
      expect(power(off.text, 'on')).toBe(0);
      // The other host's BMC is untouched.
      const other = await probe(exporter.url, 'bmc', loaded.inventory.hosts[0]!.name);
      expect(power(other.text, 'on')).toBe(1);
    } finally {
      await ipmitoolPower(host, 'on');
    }
    expect(power((await probe(exporter.url, 'bmc', host.name)).text, 'on')).toBe(1);
  });

  it('a wrong password and a silent BMC each fail only their own target, with the reason', async () => {
    // The lab's inventory, with host1's password replaced and host2's BMC moved to a port nothing answers on.
    const dir = tempDir('havoc-ex-inv-');
    const doc = parse(readFileSync(loaded.file, 'utf8')) as {
      hosts: { bmc: { password: { file: string }; port: number } }[];
    };
    writeFileSync(join(dir, 'wrong-password'), 'not-the-password\n', { mode: 0o600 });
    doc.hosts[0]!.bmc.password = { file: join(dir, 'wrong-password') };
    doc.hosts[1]!.bmc.port = 1623;
    writeFileSync(join(dir, 'inventory.yaml'), stringify(doc));
    const broken = loadInventory(join(dir, 'inventory.yaml'), new Redactor());
    const second = await startExporter({
      loaded: broken,
      collectors: COLLECTORS,
      listen: { host: '127.0.0.1', port: 0 },
      log,
    });
    try {
      const [h1, h2, sw] = await Promise.all([
        probe(second.url, 'bmc', 'host1'),
        probe(second.url, 'bmc', 'host2', 5),
        probe(second.url, 'switch', broken.inventory.switches[0]!.name),
      ]);
      expect(h1.status).toBe(200);
      expect(h1.text).toContain('havoc_up{module="bmc"} 0');
      expect(h1.text).toContain('havoc_scrape_error{module="bmc",collector="bmc",reason="auth"} 1');
      expect(sample(h1.text, 'havoc_bmc_up', '')).toBe(1);
      expect(sample(h1.text, 'havoc_bmc_auth_ok', '')).toBe(0);
      expect(h1.text).not.toContain('havoc_bmc_power_state');

      expect(h2.text).toContain('havoc_up{module="bmc"} 0');
      expect(h2.text).toContain('havoc_scrape_error{module="bmc",collector="bmc",reason="timeout"} 1');
      expect(sample(h2.text, 'havoc_bmc_up', '')).toBe(0);

      expect(sw.text).toContain('havoc_up{module="switch"} 1');
      const self = await (await fetch(`${second.url}/metrics`)).text();
      expect(self).toContain(
        'havoc_exporter_collector_failures_total{module="bmc",target="host1",collector="bmc",reason="auth"} 1',
      );
      expect(self).not.toContain('not-the-password');
    } finally {
      await second.close();
    }
  });
});

describe('exporter on the lab: fencing readiness (ipmi_sim, snmpd) agrees with the fencer', () => {
  it('every level of every host is ready, with the same devices `havoc fence HOST monitor` asks', async () => {
    const cluster = await probe(exporter.url, 'cluster', loaded.inventory.cluster.name, 15);
    const ctx = createFenceContext(loaded, log, 4000);
    try {
      for (const host of loaded.inventory.hosts) {
        expect(cluster.text).toContain(`havoc_fencing_ready{host="${host.name}"} 1`);
        const fenced = await fenceHost(host, 'monitor', ctx);
        const ready = await fencingReadiness(host, ctx, AbortSignal.timeout(15_000));
        expect(fenced.ok).toBe(true);
        expect(fenced.warnings).toEqual([]);
        expect(ready.map((l) => l.devices.map((d) => d.device))).toEqual(
          fenced.levels.map((l) => l.devices.map((d) => d.device)),
        );
        expect(ready.map((l) => [l.level, l.ready])).toEqual([
          [1, true],
          [2, true],
        ]);
        // The lab's switch-ports level: the host's ports on storage and data.
        expect(ready[1]?.devices[0]?.device).toMatch(
          new RegExp(`^switch ports of ${host.name} \\(\\S+ \\S+, \\S+\\)$`),
        );
      }
    } finally {
      closeFenceContext(ctx);
    }
  });

  it('a level listing a port the switch does not have and a wrong BMC password: not ready on both sides, for the same reason', async () => {
    const dir = tempDir('havoc-ex-fence-');
    const doc = parse(readFileSync(loaded.file, 'utf8')) as {
      hosts: { bmc: { password: { file: string } }; fencing: { levels: unknown[] } }[];
    };
    writeFileSync(join(dir, 'wrong-password'), 'not-the-password\n', { mode: 0o600 });
    doc.hosts[0]!.bmc.password = { file: join(dir, 'wrong-password') };
    doc.hosts[0]!.fencing.levels.push({
      devices: [
        {
          type: 'switch-ports',
          networks: ['storage'],
          ports: [{ switch: loaded.inventory.switches[0]!.name, port: 'no-such-port' }],
        },
      ],
    });
    writeFileSync(join(dir, 'inventory.yaml'), stringify(doc));
    const broken = loadInventory(join(dir, 'inventory.yaml'), new Redactor());
    const host = broken.inventory.hosts[0]!;
    const ctx = createFenceContext(broken, log, 4000);
    try {
      const fenced = await fenceHost(host, 'monitor', ctx);
      const ready = await fencingReadiness(host, ctx, AbortSignal.timeout(15_000));
      expect(ready.map((l) => l.ready)).toEqual([false, true, false]);
      expect(fenced.levels.map((l) => l.ok)).toEqual([false, true, false]);
      const errors = (levels: { error?: string }[][]) => levels.map((l) => l.map((d) => d.error ?? 'ok'));
      expect(errors(ready.map((l) => l.devices))).toEqual(errors(fenced.levels.map((l) => l.devices)));
      expect(ready[0]?.devices[0]?.error).toMatch(/auth/i);
      expect(ready[2]?.devices[0]?.error).toMatch(/no-such-port/);
      expect(JSON.stringify(ready)).not.toContain('not-the-password');
    } finally {
      closeFenceContext(ctx);
    }
  });
});
