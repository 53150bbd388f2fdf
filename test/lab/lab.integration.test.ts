import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deadlineSignal, pollUntil } from '../../core/deadline.js';
import { Redactor } from '../../core/redact.js';
import { loadInventory } from '../../inventory/load.js';
import { labDown } from '../../lab/down.js';
import { ifIndexes } from '../../lab/fabric.js';
import { labStateDir } from '../../lab/paths.js';
import { checkLabPrerequisites } from '../../lab/prerequisites.js';
import { netnsInode } from '../../lab/process-identity.js';
import { readLabState } from '../../lab/state.js';
import { labStatus } from '../../lab/status.js';
import { IF_OID, type SnmpCredentials, snmpGet, snmpSetInteger } from '../../lab/switch-snmp.js';
import { type LabTopology, labTopology } from '../../lab/topology.js';
import { labUp } from '../../lab/up.js';
import {
  netnsNames,
  pidsInNetnsInode,
  pidsMentioning,
  pingFrom,
  rootLinkNames,
  sshExec,
} from './lab-peers.js';

/*
 * One 3-host lab for the whole file (bring-ups are the expensive part), and a
 * second, 2-host lab beside it for the coexistence test. Every peer is the
 * real program: sshd, ipmi_sim (driven with ipmitool), snmpd (driven with the
 * net-snmp library), the kernel's links.
 */

const run = promisify(execFile);
const LAB = 't1';
const OTHER = 't2';
const env = process.env;
let topo: LabTopology;
let dir: string;

const secret = (name: string) => readFileSync(join(dir, 'secrets', name), 'utf8').trim();
const sshTo = (n: number) => {
  const h = topo.hosts[n - 1]!;
  return sshExec(
    {
      address: h.address,
      host: h.name,
      keyFile: join(dir, 'ssh', 'id_ed25519'),
      knownHostsFile: join(dir, 'ssh', 'known_hosts'),
    },
    'hostname',
  );
};
const ipmitool = (n: number, ...args: string[]) =>
  run('ipmitool', [
    '-I',
    'lanplus',
    '-C',
    '3',
    '-H',
    topo.hosts[n - 1]!.bmcAddress,
    '-U',
    'admin',
    '-f',
    join(dir, 'secrets', `bmc-host${n}-admin`),
    'chassis',
    ...args,
  ]);
const switchTarget = () => ({ address: topo.switch.address, port: 161 });
const v2 = (): SnmpCredentials => ({ version: '2c', community: secret('snmp-community') });
const v2write = (): SnmpCredentials => ({ version: '2c', community: secret('snmp-write-community') });

async function operStatus(port: string): Promise<number> {
  const ix = (await ifIndexes(topo.switch.netns, AbortSignal.timeout(5000))).get(port)!;
  const values = await snmpGet(
    switchTarget(),
    v2(),
    [`${IF_OID.ifOperStatus}.${ix}`],
    AbortSignal.timeout(5000),
  );
  return Number(values.get(`${IF_OID.ifOperStatus}.${ix}`));
}

/** Polls until `check` holds; link state changes reach the kernel's operstate within about a second. */
function eventually(what: string, check: () => Promise<boolean>, ms = 10_000): Promise<true> {
  return pollUntil(async () => ((await check()) ? true : undefined), deadlineSignal(ms, what), {
    initialMs: 50,
    maxMs: 300,
  });
}

beforeAll(async () => {
  checkLabPrerequisites(env);
  const r = await labUp({
    name: LAB,
    hosts: 3,
    volumes: 2,
    recreate: true,
    env,
    signal: AbortSignal.timeout(120_000),
    redactor: new Redactor(),
    progress: () => {},
  });
  dir = r.stateDir;
  topo = labTopology(LAB, 3, readLabState(dir)!.slot);
});

afterAll(async () => {
  await labDown({ name: OTHER, env, signal: AbortSignal.timeout(30_000) });
  await labDown({ name: LAB, env, signal: AbortSignal.timeout(30_000) });
});

describe('lab up (3 hosts, real sshd / ipmi_sim / snmpd)', () => {
  it('writes an inventory that havoc loads, with secrets in 0600 files', () => {
    const loaded = loadInventory(join(dir, 'inventory.yaml'), new Redactor());
    expect(loaded.inventory.hosts.map((h) => h.name)).toEqual(['host1', 'host2', 'host3']);
    const bmc = loaded.inventory.hosts[1]!.bmc!;
    expect(bmc.type === 'ipmi' && 'file' in bmc.password).toBe(true);
    if (bmc.type === 'ipmi' && 'file' in bmc.password) {
      expect(loaded.secrets.isWorldReadable(bmc.password)).toBe(false);
      expect(loaded.secrets.resolve(bmc.password, 'bmc')).toBe(secret('bmc-host2-admin'));
    }
    expect(
      loadInventory(join(dir, 'inventory-snmpv3.yaml'), new Redactor()).inventory.switches[0]!.snmp.version,
    ).toBe('3');
  });

  it('logs in to every host over SSH, verifying the host key from known_hosts', async () => {
    for (const h of topo.hosts) {
      const { stdout } = await sshTo(h.n);
      expect(stdout.trim()).toBe(h.name);
    }
  });

  it('serves each port description as IF-MIB ifAlias', async () => {
    const ix = (await ifIndexes(topo.switch.netns, AbortSignal.timeout(5000))).get('swp7')!;
    const values = await snmpGet(
      switchTarget(),
      v2(),
      [`${IF_OID.ifAlias}.${ix}`, `${IF_OID.ifName}.${ix}`],
      AbortSignal.timeout(5000),
    );
    expect(values.get(`${IF_OID.ifName}.${ix}`)).toBe('swp7');
    expect(values.get(`${IF_OID.ifAlias}.${ix}`)).toBe('host2 storage');
  });

  it('ipmitool -C 3 powers host2 off for real (SSH fails, its ports go oper-down, the BMC says off) and on again', async () => {
    const before = await sshTo(2);
    await ipmitool(2, 'power', 'off');
    expect((await ipmitool(2, 'power', 'status')).stdout).toMatch(/Chassis Power is off/);
    await expect(sshTo(2)).rejects.toThrow();
    // Every one of host2's processes is gone with its PID namespace.
    expect(pidsMentioning(join(dir, 'hosts', 'host2', 'sshd_config'))).toEqual([]);
    for (const nic of topo.hosts[1]!.nics) {
      await eventually(`${nic.port} oper-down`, async () => (await operStatus(nic.port)) !== 1);
    }
    expect(await operStatus(topo.hosts[0]!.nics[0]!.port)).toBe(1);
    // The BMC itself stays reachable while its host is off.
    expect((await ipmitool(2, 'power', 'status')).stdout).toMatch(/off/);

    await ipmitool(2, 'power', 'on');
    expect((await ipmitool(2, 'power', 'status')).stdout).toMatch(/Chassis Power is on/);
    const after = await pollUntil(
      async () => sshTo(2).catch(() => undefined),
      deadlineSignal(15_000, 'host2 SSH after power on'),
      { initialMs: 50, maxMs: 300 },
    );
    expect(after.stdout.trim()).toBe('host2');
    expect(after.hostKey).toBe(before.hostKey);
    await eventually(
      'host2 ports oper-up',
      async () => (await operStatus(topo.hosts[1]!.nics[0]!.port)) === 1,
    );
  });

  it('power cycle and hard reset reboot the host (a new init), status tells the truth', async () => {
    const initOf = () => readFileSync(join(dir, 'hosts', 'host3', 'power.pid'), 'utf8').trim();
    const first = initOf();
    await ipmitool(3, 'power', 'reset');
    expect(initOf()).not.toBe(first);
    expect((await ipmitool(3, 'power', 'status')).stdout).toMatch(/on/);
    const second = initOf();
    await ipmitool(3, 'power', 'cycle');
    await eventually('host3 back on after cycle', async () => {
      try {
        return initOf() !== second && /on/.test((await ipmitool(3, 'power', 'status')).stdout);
      } catch {
        return false;
      }
    });
    const { stdout } = await pollUntil(
      async () => sshTo(3).catch(() => undefined),
      deadlineSignal(15_000, 'host3 SSH'),
      { initialMs: 50, maxMs: 300 },
    );
    expect(stdout.trim()).toBe('host3');
  });

  it('an SNMP SET of ifAdminStatus down cuts one host on one network only; up restores it', async () => {
    const h1 = topo.hosts[0]!;
    const h3 = topo.hosts[2]!;
    const h2 = topo.hosts[1]!;
    const data = (h: typeof h1) => h.nics.find((n) => n.network === 'data')!;
    const storage = (h: typeof h1) => h.nics.find((n) => n.network === 'stor')!;
    const port = data(h3).port;
    const ix = (await ifIndexes(topo.switch.netns, AbortSignal.timeout(5000))).get(port)!;
    expect(await pingFrom(h1.netns, data(h3).address)).toBe(true);

    await snmpSetInteger(
      switchTarget(),
      v2write(),
      `${IF_OID.ifAdminStatus}.${ix}`,
      2,
      AbortSignal.timeout(5000),
    );
    try {
      expect(await pingFrom(h1.netns, data(h3).address)).toBe(false);
      expect(await pingFrom(h1.netns, storage(h3).address)).toBe(true);
      expect(await pingFrom(h1.netns, data(h2).address)).toBe(true);
      await eventually(`${port} oper-down`, async () => (await operStatus(port)) === 2);
    } finally {
      await snmpSetInteger(
        switchTarget(),
        v2write(),
        `${IF_OID.ifAdminStatus}.${ix}`,
        1,
        AbortSignal.timeout(5000),
      );
    }
    await eventually('data ping restored', () => pingFrom(h1.netns, data(h3).address));
  });

  it('SNMPv3 authPriv (SHA/AES) works, and a wrong key is refused', async () => {
    const v3 = readLabState(dir)!.snmpV3!;
    const good: SnmpCredentials = {
      version: '3',
      user: v3.user,
      authKey: readFileSync(v3.authKeyFile, 'utf8').trim(),
      privKey: readFileSync(v3.privKeyFile, 'utf8').trim(),
    };
    const values = await snmpGet(switchTarget(), good, [IF_OID.sysName], AbortSignal.timeout(5000));
    expect(values.get(IF_OID.sysName)).toBe('switch1');
    await expect(
      snmpGet(
        switchTarget(),
        { ...good, authKey: `${good.authKey}x` },
        [IF_OID.sysName],
        AbortSignal.timeout(5000),
      ),
    ).rejects.toThrow();
  });

  it('lab status reports power, SSH and port states', async () => {
    const s = await labStatus(LAB, env, AbortSignal.timeout(20_000));
    expect(s.hosts.map((h) => [h.name, h.power, h.bmcReachable])).toEqual([
      ['host1', 'on', true],
      ['host2', 'on', true],
      ['host3', 'on', true],
    ]);
    expect(s.switch.reachable).toBe(true);
    expect(s.ports.find((p) => p.alias === 'host1 management')).toMatchObject({ admin: 'up', oper: 'up' });
  });

  it('a second lab coexists (own address block) and tears down without touching the first', async () => {
    const other = await labUp({
      name: OTHER,
      hosts: 2,
      volumes: 1,
      recreate: true,
      env,
      signal: AbortSignal.timeout(120_000),
      redactor: new Redactor(),
      progress: () => {},
    });
    expect(other.addressBlock).not.toBe(`${topo.networks[0]!.prefix}.0/21`);
    const otherTopo = labTopology(OTHER, 2, readLabState(other.stateDir)!.slot);
    const { stdout } = await sshExec(
      {
        address: otherTopo.hosts[0]!.address,
        host: 'host1',
        keyFile: join(other.stateDir, 'ssh', 'id_ed25519'),
        knownHostsFile: join(other.stateDir, 'ssh', 'known_hosts'),
      },
      'hostname',
    );
    expect(stdout.trim()).toBe('host1');

    await labDown({ name: OTHER, env, signal: AbortSignal.timeout(30_000) });
    expect((await netnsNames()).filter((n) => n.startsWith(`${OTHER}-`))).toEqual([]);
    expect((await sshTo(1)).stdout.trim()).toBe('host1');
  });

  it('lab down leaves no namespace, no link and no process of the lab', async () => {
    const inodes = readLabState(dir)!.namespaces.map((ns) => netnsInode(ns)!);
    await labDown({ name: LAB, env, signal: AbortSignal.timeout(30_000) });
    expect((await netnsNames()).filter((n) => n.startsWith(`${LAB}-`))).toEqual([]);
    expect((await rootLinkNames()).filter((n) => n.startsWith(`${LAB}-`))).toEqual([]);
    expect(pidsMentioning(labStateDir(LAB, env))).toEqual([]);
    for (const inode of inodes) expect(pidsInNetnsInode(inode)).toEqual([]);
  });
});
