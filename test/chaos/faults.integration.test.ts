import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLedger } from '../../chaos/ledger/reader.js';
import type { HostConfig, SwitchPortRef } from '../../inventory/schema.js';
import { switchPortsOf } from '../../inventory/topology.js';
import { hostNetns, switchNetns } from '../../lab/names.js';
import { bmcLoginOf, ipmitoolChassis, ipmitoolPower } from '../lab/ipmitool-peer.js';
import { startTestLab, type TestLab } from '../support/lab-fixture.js';
import { havocChild, spawnHavoc, waitForFault, waitForState } from './chaos-cli.js';

// Plain lab (no --ha): each fault is judged by observers independent of havoc, not by a cluster's reaction.
const LAB = 'faults1';
const run = promisify(execFile);
let lab: TestLab;
let scratch: string;

beforeAll(async () => {
  lab = await startTestLab(LAB, { hosts: 2 });
  scratch = mkdtempSync(join(tmpdir(), 'havoc-faults-'));
});

afterAll(async () => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  await lab?.down();
});

const host = (name: string): HostConfig => lab.loaded.inventory.hosts.find((h) => h.name === name)!;
const ledgerOf = (name: string) => join(scratch, name, 'ledger');
const inject = (ledgerDir: string, args: string[]) =>
  spawnHavoc(['-i', lab.inventory, 'chaos', 'inject', ...args, '--for', '10m', '--ledger', ledgerDir]);
const gone = (s: string | undefined) => s === undefined || s === 'Z';

/** Independent observer of SSH: a plain TCP connection that reads sshd's banner (no havoc code involved). */
function sshBanner(h: HostConfig): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: h.address, port: h.ssh!.port, timeout: 3_000 });
    let text = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      text += d;
      if (text.startsWith('SSH-')) done(true);
    });
    socket.on('timeout', () => done(false));
    socket.on('error', () => done(false));
    socket.on('close', () => done(text.startsWith('SSH-')));
  });
}

/** Independent observer of the switch: net-snmp's snmpget and snmpwalk, numeric OIDs, the lab's read community. */
async function operStatus(ref: SwitchPortRef): Promise<number> {
  const sw = lab.loaded.inventory.switches.find((s) => s.name === ref.switch)!;
  if (sw.snmp.version !== '2c' || !('file' in sw.snmp.community))
    throw new Error('lab switch is not v2c by file');
  const community = readFileSync(sw.snmp.community.file, 'utf8').trim();
  const agent = `${sw.address}:${sw.port}`;
  const base = ['-v2c', '-c', community, '-On', '-Oe', '-t', '2', '-r', '2', agent];
  const names = await run('snmpwalk', [...base, '1.3.6.1.2.1.31.1.1.1.1'], { timeout: 30_000 });
  const line = names.stdout.split('\n').find((l) => l.endsWith(`"${ref.port}"`));
  if (!line) throw new Error(`snmpwalk of ifName has no ${ref.port}:\n${names.stdout}`);
  const ifIndex = /^\.1\.3\.6\.1\.2\.1\.31\.1\.1\.1\.1\.(\d+) /.exec(line)![1];
  const oper = await run('snmpget', [...base, '-Oqv', `1.3.6.1.2.1.2.2.1.8.${ifIndex}`], { timeout: 30_000 });
  return Number(oper.stdout.trim());
}

const OPER_UP = 1;
const OPER_DOWN = 2;

/** SIGKILL of the run once the fault is verified (and seen by `whileIn`): the guardian reverts it, the ledger says so. */
async function killedWhileInjected(ledgerDir: string, args: string[], whileIn: () => Promise<void>) {
  const child = inject(ledgerDir, args);
  const f = await waitForFault(ledgerDir, (x) => x.state === 'verified');
  await whileIn();
  child.kill('SIGKILL');
  expect((await child.done).signal).toBe('SIGKILL');
  await waitForState(f.intended!.guardianPid!, gone, 300_000);
  const healed = readLedger(ledgerDir).faults[0]!;
  expect(healed.state).toBe('reverted');
  expect(healed.history.at(-1)!.by).toMatch(/^guardian-/);
}

async function expectPoweredAndAnswering(h: HostConfig) {
  expect(await ipmitoolPower(h, 'status')).toMatch(/Chassis Power is on/);
  expect(await sshBanner(h)).toBe(true);
}

describe('host-power-off through havoc chaos inject', () => {
  it('ipmitool reads power off and SSH stops answering while injected; Ctrl-C powers it on and SSH answers again', async () => {
    const h = host('host2');
    await expectPoweredAndAnswering(h);
    const ledgerDir = ledgerOf('power-ctrl-c');
    const child = inject(ledgerDir, ['host-power-off', 'host2']);
    await waitForFault(ledgerDir, (f) => f.state === 'verified');
    expect(await ipmitoolPower(h, 'status')).toMatch(/Chassis Power is off/);
    expect(await sshBanner(h)).toBe(false);
    expect(await sshBanner(host('host1'))).toBe(true); // the other host is untouched
    child.kill('SIGINT');
    const r = await child.done;
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/injected: in-effect/);
    expect(r.stdout).toMatch(/IPMI BMC of host2 .*reads power off/);
    expect(r.stdout).toMatch(/SSH to host2 \(.+\): no answer/);
    expect(r.stdout).toMatch(/reverted by .+: verified/);
    await expectPoweredAndAnswering(h);
    const states = readLedger(ledgerDir).faults[0]!.history.map((e) => e.state);
    expect(states).toEqual(['intended', 'injected', 'verified', 'reverting', 'reverted']);
  });

  it('is powered back on by the guardian when the run is killed with SIGKILL while the host is off', async () => {
    const h = host('host1');
    const ledgerDir = ledgerOf('power-kill');
    await killedWhileInjected(ledgerDir, ['host-power-off', 'host1'], async () =>
      expect(await ipmitoolPower(h, 'status')).toMatch(/Chassis Power is off/),
    );
    await expectPoweredAndAnswering(h);
  });
});

describe('link-down through havoc chaos inject', () => {
  it("snmpget reads host2's heartbeat ports oper down while injected, and up again after Ctrl-C", async () => {
    const ports = switchPortsOf(host('host2'), ['heartbeat']);
    expect(ports.length).toBeGreaterThan(0);
    for (const p of ports) expect(await operStatus(p)).toBe(OPER_UP);
    const ledgerDir = ledgerOf('link-network');
    const child = inject(ledgerDir, ['link-down', 'host2', '-p', 'network=heartbeat']);
    await waitForFault(ledgerDir, (f) => f.state === 'verified');
    for (const p of ports) expect(await operStatus(p)).toBe(OPER_DOWN);
    // Its other networks still carry traffic: the management port is up.
    for (const p of switchPortsOf(host('host2'), ['management'])) expect(await operStatus(p)).toBe(OPER_UP);
    child.kill('SIGINT');
    const r = await child.done;
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/admin down, oper down/);
    expect(r.stdout).toMatch(/reverted by .+: verified/);
    for (const p of ports) expect(await operStatus(p)).toBe(OPER_UP);
  });

  it('takes one named port down, is healed by the guardian after SIGKILL, and refuses a port the host does not have', async () => {
    const [port] = switchPortsOf(host('host1'), ['data']);
    const ledgerDir = ledgerOf('link-port');
    const child = inject(ledgerDir, ['link-down', 'host1', '-p', `port=${port!.port}`]);
    await waitForFault(ledgerDir, (f) => f.state === 'verified');
    expect(await operStatus(port!)).toBe(OPER_DOWN);
    for (const p of switchPortsOf(host('host1'), ['storage'])) expect(await operStatus(p)).toBe(OPER_UP);
    child.kill('SIGINT');
    expect((await child.done).code).toBe(0);
    expect(await operStatus(port!)).toBe(OPER_UP);

    const storage = switchPortsOf(host('host1'), ['storage']);
    await killedWhileInjected(
      ledgerOf('link-kill'),
      ['link-down', 'host1', '-p', 'network=storage'],
      async () => {
        for (const p of storage) expect(await operStatus(p)).toBe(OPER_DOWN);
      },
    );
    for (const p of storage) expect(await operStatus(p)).toBe(OPER_UP);

    const bad = await spawnHavoc([
      '-i',
      lab.inventory,
      'chaos',
      'inject',
      'link-down',
      'host1',
      '-p',
      'port=no-such-port',
      '--ledger',
      ledgerOf('link-bad'),
    ]).done;
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/link-down: host host1 has no switch port "no-such-port"/);
  });
});

/** ipmitool from a cluster host's namespace: the path a fence from that node takes to the BMC. */
async function ipmitoolFromHost(n: number, target: HostConfig): Promise<boolean> {
  const r = await ipmitoolChassis(
    bmcLoginOf(target),
    ['power', 'status'],
    AbortSignal.timeout(30_000),
    hostNetns(LAB, n),
  );
  return r.ok;
}

describe('bmc-dead through havoc chaos inject', () => {
  it('ipmitool from the station and from the other host gets no answer while injected, a fence falls to the switch-port level; after Ctrl-C both read power on', async () => {
    const h = host('host2');
    const status = () => ipmitoolChassis(bmcLoginOf(h), ['power', 'status'], AbortSignal.timeout(30_000));
    expect((await status()).output).toMatch(/Chassis Power is on/);
    expect(await ipmitoolFromHost(1, h)).toBe(true);
    const ledgerDir = ledgerOf('bmc-dead');
    const child = inject(ledgerDir, ['bmc-dead', 'host2']);
    await waitForFault(ledgerDir, (f) => f.state === 'verified');
    const dead = await status();
    expect(dead.ok).toBe(false);
    expect(dead.output).not.toMatch(/Chassis Power/);
    expect(await ipmitoolFromHost(1, h)).toBe(false);
    // The other host's BMC still answers: only host2's is dead.
    expect(await ipmitoolPower(host('host1'), 'status')).toMatch(/Chassis Power is on/);
    // The host itself is untouched.
    expect(await sshBanner(h)).toBe(true);
    // A fence of host2 now falls to its second level (switch ports of storage and data).
    const fence = await havocChild([
      '-i',
      lab.inventory,
      '--json',
      'fence',
      'host2',
      'off',
      '--timeout',
      '5',
    ]);
    expect(fence.code).toBe(0);
    const result = JSON.parse(fence.stdout) as {
      ok: boolean;
      level: number;
      levels: { level: number; ok: boolean }[];
    };
    expect(result.levels.map((l) => [l.level, l.ok])).toEqual([
      [1, false],
      [2, true],
    ]);
    const fenced = switchPortsOf(h, ['storage', 'data']);
    for (const p of fenced) expect(await operStatus(p)).toBe(OPER_DOWN);
    const unfence = await havocChild(['-i', lab.inventory, 'fence', 'host2', 'on', '--level', '2']);
    expect(unfence.code).toBe(0);
    for (const p of fenced) expect(await operStatus(p)).toBe(OPER_UP);
    child.kill('SIGINT');
    const r = await child.done;
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/IPMI BMC of host2 .*: no answer/);
    expect(r.stdout).toMatch(/reverted by .+: verified/);
    expect((await status()).output).toMatch(/Chassis Power is on/);
    expect(await ipmitoolFromHost(1, h)).toBe(true);
    const tables = await run('ip', ['netns', 'exec', switchNetns(LAB), 'nft', 'list', 'tables']);
    expect(tables.stdout).not.toMatch(/havoc/);
  });

  it('is healed by the guardian when the run is killed with SIGKILL while the BMC is dead', async () => {
    const h = host('host1');
    await killedWhileInjected(ledgerOf('bmc-kill'), ['bmc-dead', 'host1'], async () =>
      expect(
        (await ipmitoolChassis(bmcLoginOf(h), ['power', 'status'], AbortSignal.timeout(30_000))).ok,
      ).toBe(false),
    );
    expect(await ipmitoolPower(h, 'status')).toMatch(/Chassis Power is on/);
  });
});
