import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deadlineSignal, pollUntil } from '../../core/deadline.js';
import { AuthError } from '../../core/errors.js';
import { Redactor } from '../../core/redact.js';
import { loadInventory } from '../../inventory/load.js';
import { BMC_ADMIN_USER, BMC_PORT } from '../../lab/bmc.js';
import { labDown } from '../../lab/down.js';
import { ifIndexes } from '../../lab/fabric.js';
import { labStateDir } from '../../lab/paths.js';
import { checkLabPrerequisites } from '../../lab/prerequisites.js';
import { netnsInode } from '../../lab/process-identity.js';
import { readLabState } from '../../lab/state.js';
import { labStatus } from '../../lab/status.js';
import { type LabTopology, labTopology } from '../../lab/topology.js';
import { labUp } from '../../lab/up.js';
import { readPortStatus, setAdminStatus } from '../../protocols/snmp/if-mib.js';
import { ifXTable } from '../../protocols/snmp/oids.js';
import { type SnmpCredentials, SnmpSession } from '../../protocols/snmp/session.js';
import { asText } from '../../protocols/snmp/varbind-values.js';
import { ipmitoolChassis } from './ipmitool-peer.js';
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
 * real program: sshd, ipmi_sim (driven with ipmitool, the reference client),
 * snmpd (driven with havoc's SNMP client), the kernel's links.
 */

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
/** ipmitool against host n's BMC; its output, or an error with that output. */
async function ipmitool(n: number, ...args: string[]): Promise<string> {
  const login = {
    address: topo.hosts[n - 1]!.bmcAddress,
    port: BMC_PORT,
    user: BMC_ADMIN_USER,
    passwordFile: join(dir, 'secrets', `bmc-host${n}-admin`),
  };
  const { ok, output } = await ipmitoolChassis(login, args, AbortSignal.timeout(20_000));
  if (!ok) throw new Error(`ipmitool chassis ${args.join(' ')} on host${n}'s BMC failed: ${output}`);
  return output;
}

/** The lab switch's agent; closed after `use`. */
async function withSwitch<T>(credentials: SnmpCredentials, use: (s: SnmpSession) => Promise<T>): Promise<T> {
  const session = new SnmpSession({ host: topo.switch.address, name: topo.switch.name, credentials });
  try {
    return await use(session);
  } finally {
    session.close();
  }
}
const v2 = (): SnmpCredentials => ({ version: '2c', community: secret('snmp-community') });
const v2write = (): SnmpCredentials => ({ version: '2c', community: secret('snmp-write-community') });
const portIndex = async (port: string) =>
  (await ifIndexes(topo.switch.netns, AbortSignal.timeout(5000))).get(port)!;

async function operStatus(port: string): Promise<string | undefined> {
  const ix = await portIndex(port);
  return withSwitch(
    v2(),
    async (s) => (await readPortStatus(s, [ix], AbortSignal.timeout(5000))).get(ix)?.oper,
  );
}

async function setAdmin(port: string, state: 'up' | 'down'): Promise<void> {
  const ix = await portIndex(port);
  await withSwitch(v2write(), (s) => setAdminStatus(s, ix, state, AbortSignal.timeout(5000)));
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
    const ix = await portIndex('swp7');
    const [name, alias] = await withSwitch(v2(), (s) =>
      s.get([`${ifXTable.ifName}.${ix}`, `${ifXTable.ifAlias}.${ix}`], AbortSignal.timeout(5000)),
    );
    expect(asText(name!)).toBe('swp7');
    expect(asText(alias!)).toBe('host2 storage');
  });

  it('ipmitool -C 3 powers host2 off for real (SSH fails, its ports go oper-down, the BMC says off) and on again', async () => {
    const before = await sshTo(2);
    await ipmitool(2, 'power', 'off');
    expect(await ipmitool(2, 'power', 'status')).toMatch(/Chassis Power is off/);
    await expect(sshTo(2)).rejects.toThrow();
    // Every one of host2's processes is gone with its PID namespace.
    expect(pidsMentioning(join(dir, 'hosts', 'host2', 'sshd_config'))).toEqual([]);
    for (const nic of topo.hosts[1]!.nics) {
      await eventually(`${nic.port} oper-down`, async () => (await operStatus(nic.port)) !== 'up');
    }
    expect(await operStatus(topo.hosts[0]!.nics[0]!.port)).toBe('up');
    // The BMC itself stays reachable while its host is off.
    expect(await ipmitool(2, 'power', 'status')).toMatch(/off/);
    // lab status reads the same through havoc's own IPMI and SNMP clients.
    const status = await labStatus(LAB, env, AbortSignal.timeout(20_000));
    expect(status.hosts[1]).toMatchObject({ name: 'host2', power: 'off', bmcReachable: true, ssh: false });
    expect(status.hosts[0]).toMatchObject({ name: 'host1', power: 'on', ssh: true });
    const host2Ports = new Set(topo.hosts[1]!.nics.map((n) => n.port));
    const host2Rows = status.ports.filter((r) => host2Ports.has(r.port));
    expect(host2Rows).toHaveLength(host2Ports.size);
    for (const p of host2Rows) {
      expect(p.admin).toBe('up');
      expect(p.oper).not.toBe('up');
    }

    await ipmitool(2, 'power', 'on');
    expect(await ipmitool(2, 'power', 'status')).toMatch(/Chassis Power is on/);
    const after = await pollUntil(
      async () => sshTo(2).catch(() => undefined),
      deadlineSignal(15_000, 'host2 SSH after power on'),
      { initialMs: 50, maxMs: 300 },
    );
    expect(after.stdout.trim()).toBe('host2');
    expect(after.hostKey).toBe(before.hostKey);
    await eventually(
      'host2 ports oper-up',
      async () => (await operStatus(topo.hosts[1]!.nics[0]!.port)) === 'up',
    );
  });

  it('power cycle and hard reset reboot the host (a new init), status tells the truth', async () => {
    const initOf = () => readFileSync(join(dir, 'hosts', 'host3', 'power.pid'), 'utf8').trim();
    const first = initOf();
    await ipmitool(3, 'power', 'reset');
    expect(initOf()).not.toBe(first);
    expect(await ipmitool(3, 'power', 'status')).toMatch(/on/);
    const second = initOf();
    await ipmitool(3, 'power', 'cycle');
    await eventually('host3 back on after cycle', async () => {
      try {
        return initOf() !== second && /on/.test(await ipmitool(3, 'power', 'status'));
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
    expect(await pingFrom(h1.netns, data(h3).address)).toBe(true);

    await setAdmin(port, 'down');
    try {
      expect(await pingFrom(h1.netns, data(h3).address)).toBe(false);
      expect(await pingFrom(h1.netns, storage(h3).address)).toBe(true);
      expect(await pingFrom(h1.netns, data(h2).address)).toBe(true);
      await eventually(`${port} oper-down`, async () => (await operStatus(port)) === 'down');
    } finally {
      await setAdmin(port, 'up');
    }
    await eventually('data ping restored', () => pingFrom(h1.netns, data(h3).address));
  });

  it('SNMPv3 authPriv (SHA/AES) works, and a wrong key is refused', async () => {
    const v3 = readLabState(dir)!.snmpV3!;
    const good: SnmpCredentials = {
      version: '3',
      user: v3.user,
      auth: { protocol: 'sha', key: readFileSync(v3.authKeyFile, 'utf8').trim() },
      priv: { protocol: 'aes', key: readFileSync(v3.privKeyFile, 'utf8').trim() },
    };
    const sysName = '1.3.6.1.2.1.1.5.0';
    const [name] = await withSwitch(good, (s) => s.get([sysName], AbortSignal.timeout(5000)));
    expect(asText(name!)).toBe('switch1');
    const wrongAuth = { ...good, auth: { protocol: 'sha' as const, key: `${good.auth!.key}x` } };
    const refused = await withSwitch(wrongAuth, (s) => s.get([sysName], AbortSignal.timeout(5000))).catch(
      (err: unknown) => err,
    );
    expect(refused).toBeInstanceOf(AuthError);
    expect((refused as AuthError).message).toMatch(/wrong v3 authentication key/);
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
