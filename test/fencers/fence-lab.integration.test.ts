import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { FenceResult } from '../../fencers/result.js';
import { readLabState } from '../../lab/state.js';
import { type LabTopology, labTopology } from '../../lab/topology.js';
import { havoc } from '../cli/run.js';
import { pingFrom, sshExec } from '../lab/lab-peers.js';
import { freeUdpPort } from '../support/ipmi-sim-fixture.js';
import { startTestLab, type TestLab } from '../support/lab-fixture.js';

/*
 * Fencing against the lab's real peers: ipmi_sim BMCs whose power control
 * kills the host, snmpd on the switch whose ifAdminStatus SET really takes a
 * port down. Driven through the havoc CLI and through fence_havoc as
 * pacemaker-fenced would run it (options on stdin).
 */

const run = promisify(execFile);
const LAB = 'fl1';
const env = process.env;
let topo: LabTopology;
let dir: string;
let inventory: string;

const storageAddress = (n: number) => topo.hosts[n - 1]!.nics.find((nic) => nic.network === 'stor')!.address;
const hostNetns = (n: number) => topo.hosts[n - 1]!.netns;
const ssh = (n: number) =>
  sshExec(
    {
      address: topo.hosts[n - 1]!.address,
      host: topo.hosts[n - 1]!.name,
      keyFile: join(dir, 'ssh', 'id_ed25519'),
      knownHostsFile: join(dir, 'ssh', 'known_hosts'),
    },
    'hostname',
    3000,
  );

async function fence(args: string[], inv = inventory): Promise<FenceResult & { code: number }> {
  const r = await havoc(['--json', '-i', inv, 'fence', ...args], env);
  expect(r.stderr).toBe('');
  return { ...(JSON.parse(r.stdout) as FenceResult), code: r.code };
}

async function agent(stdin: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = run('node', ['--import', 'tsx', 'fencers/fence_havoc.ts'], {
    env: { ...env, HAVOC_INVENTORY: inventory },
  });
  child.child.stdin?.end(stdin);
  try {
    const { stdout, stderr } = await child;
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

let lab: TestLab;

beforeAll(async () => {
  lab = await startTestLab(LAB, { hosts: 3 });
  dir = lab.stateDir;
  inventory = lab.inventory;
  topo = labTopology(LAB, 3, readLabState(dir)!.slot);
});

afterAll(async () => {
  await lab?.down();
});

describe('switch-port fencing against the lab switch (real snmpd)', () => {
  for (const [version, file] of [
    ['v2c', () => inventory],
    ['v3 authPriv', () => join(dir, 'inventory-snmpv3.yaml')],
  ] as const) {
    it(`${version}: off cuts host2 off the storage network, verified through ifOperStatus; on restores it`, async () => {
      expect(await pingFrom(hostNetns(1), storageAddress(2))).toBe(true);
      const off = await fence(['host2', 'off', '--level', '2'], file());
      expect(off.ok, JSON.stringify(off)).toBe(true);
      expect(off.code).toBe(0);
      const device = off.levels[0]!.devices[0]!;
      expect(device.kind).toBe('fabric');
      expect(device.steps.find((s) => s.step === 'verify-off')).toMatchObject({ ok: true, state: 'off' });
      expect(await pingFrom(hostNetns(1), storageAddress(2))).toBe(false);
      // Only host2 is cut: host3 is still reachable on the same network.
      expect(await pingFrom(hostNetns(1), storageAddress(3))).toBe(true);
      const status = await fence(['host2', 'status', '--level', '2'], file());
      expect(status.state).toBe('off');
      const on = await fence(['host2', 'on', '--level', '2'], file());
      expect(on.ok, JSON.stringify(on)).toBe(true);
      expect(await pingFrom(hostNetns(1), storageAddress(2))).toBe(true);
    });
  }
});

describe('power fencing through the lab BMC', () => {
  it('off is reported after the BMC reads off, and the host is really gone', async () => {
    const off = await fence(['host3', 'off']);
    expect(off.ok, JSON.stringify(off)).toBe(true);
    expect(off.level).toBe(1);
    await expect(ssh(3)).rejects.toThrow();
    const on = await fence(['host3', 'on']);
    expect(on.ok, JSON.stringify(on)).toBe(true);
  });

  it("topology fallback: level 1's BMC is dead, level 2's switch ports succeed, and the result says so", async () => {
    const inv = parse(readFileSync(inventory, 'utf8')) as {
      hosts: { name: string; bmc: { port: number } }[];
    };
    inv.hosts.find((h) => h.name === 'host2')!.bmc.port = await freeUdpPort();
    const broken = join(dir, 'inventory-dead-bmc.yaml');
    writeFileSync(broken, stringify(inv));
    const off = await fence(['host2', 'off', '--timeout', '3'], broken);
    expect(off.ok, JSON.stringify(off)).toBe(true);
    expect(off.level).toBe(2);
    expect(off.levels.map((l) => l.ok)).toEqual([false, true]);
    expect(off.levels[0]!.devices[0]!.error).toMatch(/BMC of host2/);
    expect(await pingFrom(hostNetns(1), storageAddress(2))).toBe(false);
    const on = await fence(['host2', 'on', '--level', '2'], broken);
    expect(on.ok).toBe(true);
    expect(await pingFrom(hostNetns(1), storageAddress(2))).toBe(true);
  });

  it('every level fails: exit 1 and the host is NOT reported off', async () => {
    const inv = parse(readFileSync(inventory, 'utf8')) as {
      hosts: { name: string; bmc: { port: number }; fencing: { levels: unknown[] } }[];
    };
    const h = inv.hosts.find((x) => x.name === 'host1')!;
    h.bmc.port = await freeUdpPort();
    h.fencing.levels = [h.fencing.levels[0]];
    const broken = join(dir, 'inventory-no-fence.yaml');
    writeFileSync(broken, stringify(inv));
    const r = await fence(['host1', 'off', '--timeout', '2'], broken);
    expect(r.code).toBe(1);
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/NOT known to be off/);
  });
});

describe('fence_havoc speaks the fence-agents interface (options on stdin, as pacemaker-fenced sends them)', () => {
  it('metadata is the XML Pacemaker expects', async () => {
    const r = await agent('action=metadata\n');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/<resource-agent name="fence_havoc"/);
    expect(r.stdout).toMatch(/<parameter name="plug"/);
    expect(r.stdout).toMatch(/<action name="reboot" \/>/);
  });

  it('status: exit 0 and "Status: ON" for a running host; 2 for an off one', async () => {
    const on = await agent('action=status\nport=host1\nnodename=host1\npcmk_host_list=host1\n');
    expect([on.code, on.stdout.trim()]).toEqual([0, 'Status: ON']);
    const off = await agent('action=off\nplug=host1\n');
    expect(off.code, off.stderr).toBe(0);
    expect(off.stdout).toMatch(/Success: Powered OFF/);
    const status = await agent('action=status\nplug=host1\n');
    expect([status.code, status.stdout.trim()]).toEqual([2, 'Status: OFF']);
    const back = await agent('action=on\nplug=host1\n');
    expect(back.code, back.stderr).toBe(0);
  });

  it('monitor, list and validate-all; an unknown host fails with exit 1 and a message', async () => {
    expect((await agent('action=monitor\n')).code).toBe(0);
    const list = await agent('action=list\n');
    expect(
      list.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split(',')[0]),
    ).toEqual(['host1', 'host2', 'host3']);
    expect((await agent('action=validate-all\nplug=host2\n')).code).toBe(0);
    const bad = await agent('action=off\nplug=host9\n');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/no host "host9"/);
  });
});
