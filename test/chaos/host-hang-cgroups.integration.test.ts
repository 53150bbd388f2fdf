import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { ownCgroupName } from '../../chaos/cgroup-freeze.js';
import type { LedgerFault } from '../../chaos/ledger/reader.js';
import { readLedger } from '../../chaos/ledger/reader.js';
import { pollUntil } from '../../core/deadline.js';
import type { HostConfig } from '../../inventory/schema.js';
import { runInHost } from '../../lab/ha/host-command.js';
import { hostNetns } from '../../lab/names.js';
import { type LabState, readLabState } from '../../lab/state.js';
import { ipmitoolPower } from '../lab/ipmitool-peer.js';
import { startTestLab, type TestLab } from '../support/lab-fixture.js';
import { tempDir } from '../support/temp-dir.js';
import { havocChild, processState, spawnHavoc, waitForFault, waitForState } from './chaos-cli.js';

/*
 * host-hang the way a real host is frozen (hosts[].chaos.hang.cgroups), on a
 * lab host: its sshd and every other process of it put, by this test, into a
 * cgroup v2 cgroup of their own (this machine's /sys/fs/cgroup/unified, the
 * kernel the lab hosts share), which the inventory copy declares. A lab host
 * has no cgroup mount of its own (ip netns exec gives it a fresh /sys), so the
 * test mounts the v2 hierarchy at /sys/fs/cgroup in host2's mount namespace,
 * as a systemd host has it; the lab itself is unchanged. A real host's reboot
 * starts with a clean cgroup tree; a lab host's power cycle does not touch
 * this machine's, so after one the test removes the emptied cgroups itself. havoc
 * reaches the host only over SSH and its BMC (ipmi_sim), as a real cluster.
 * The observers are independent of havoc: the kernel's cgroup.events and
 * /proc/PID/cgroup read on this machine, OpenSSH's ssh client, ipmitool, and
 * the lab's power record (the host init's PID: a power cycle changes it).
 * Timings are recorded and printed, never asserted.
 */

const LAB = 'hf1';
const V2 = '/sys/fs/cgroup/unified';
const run = promisify(execFile);
let lab: TestLab;
let state: LabState;
let inventory: string;
let scratch: string;
const created: string[] = [];
const measured: string[] = [];

const cgName = `havoc-test.${LAB}.host2`;
const frozenCg = join(V2, cgName);
/** The same cgroup as host2 sees it, with the hierarchy mounted at /sys/fs/cgroup there. */
const frozenCgInHost = `/sys/fs/cgroup/${cgName}`;
// The switch's own cgroup, where host-hang puts it (named per cluster and host).
const switchCg = () => join(V2, ownCgroupName(lab.loaded.inventory.cluster.name, 'host2'));
const host = (name: string): HostConfig => lab.loaded.inventory.hosts.find((h) => h.name === name)!;

beforeAll(async () => {
  lab = await startTestLab(LAB, { hosts: 2, volumes: 1, timeoutMs: 180_000 });
  state = readLabState(lab.stateDir)!;
  scratch = tempDir('host-hang-cgroups');
  mkdirSync(frozenCg);
  created.push(frozenCg);
  // The inventory as a real site would write it for host2: its cgroups, not a namespace of this station.
  const inv = parse(readFileSync(lab.inventory, 'utf8'));
  const h2 = inv.hosts.find((h: { name: string }) => h.name === 'host2');
  h2.chaos = { ...h2.chaos, hang: { cgroups: [frozenCgInHost] } };
  inventory = join(scratch, 'inventory.yaml');
  writeFileSync(inventory, stringify(inv));
}, 240_000);

afterAll(async () => {
  console.log(`host-hang over SSH (cgroup v2) on lab host2:\n  ${measured.join('\n  ')}`);
  for (const cg of [...created, ...(lab ? [switchCg()] : [])].reverse()) {
    if (!existsSync(cg)) continue;
    writeFileSync(join(cg, 'cgroup.freeze'), '0');
    for (const pid of readFileSync(join(cg, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean))
      writeFileSync(join(V2, 'cgroup.procs'), pid);
    rmdirSync(cg);
  }
  await lab?.down();
}, 120_000);

/**
 * The v2 hierarchy mounted in host2 (this boot's mount namespace), then every
 * process of host2 now (what `ip netns pids` lists) moved into the test's cgroup.
 */
async function host2IntoCgroup(): Promise<number[]> {
  await runInHost(
    'host2',
    state.hosts.host2!,
    ['sh', '-c', 'mountpoint -q /sys/fs/cgroup || mount -t cgroup2 cgroup2 /sys/fs/cgroup'],
    AbortSignal.timeout(15_000),
  );
  const { stdout } = await run('ip', ['netns', 'pids', hostNetns(LAB, 2)], { timeout: 10_000 });
  const pids = stdout.split('\n').filter(Boolean).map(Number);
  const moved: number[] = [];
  for (const pid of pids) {
    try {
      writeFileSync(join(frozenCg, 'cgroup.procs'), String(pid));
      moved.push(pid);
    } catch (err) {
      // A process that exited since the listing (a login's short-lived child) has nothing to move.
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  }
  return moved;
}

const cgroupOf = (pid: number) =>
  readFileSync(`/proc/${pid}/cgroup`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('0::'))
    ?.slice(3);
const frozen = (cg: string) => /^frozen 1$/m.test(readFileSync(join(cg, 'cgroup.events'), 'utf8'));
/** The lab's record of host2's init (PID and start time): a power cycle writes a new one. */
const powerRecord = () => readFileSync(join(state.hosts.host2!.dir, 'power.pid'), 'utf8').trim();

/** A fresh login by OpenSSH's client (not havoc's): true when it ran `true` on the host. */
async function opensshLogin(name: string): Promise<boolean> {
  const h = host(name);
  const ssh = h.ssh!;
  try {
    await run(
      'ssh',
      [
        '-o',
        'BatchMode=yes',
        '-o',
        'ConnectTimeout=5',
        '-o',
        `UserKnownHostsFile=${ssh.knownHostsFile}`,
        '-i',
        ssh.keyFile!,
        '-p',
        String(ssh.port),
        `${ssh.user}@${h.address}`,
        'true',
      ],
      { timeout: 8_000 },
    );
    return true;
  } catch {
    return false;
  }
}

/** The fault verified in the ledger; else the run's own output in the failure, not just a timeout. */
async function verifiedOrSay(ledgerDir: string, child: ReturnType<typeof spawnHavoc>): Promise<LedgerFault> {
  const ended = child.done.then((r) => {
    throw new Error(
      `the run ended (${r.code ?? r.signal}) before its fault was verified:\n${r.stdout}\n${r.stderr}`,
    );
  });
  return Promise.race([waitForFault(ledgerDir, (f) => f.state === 'verified', 120_000), ended]);
}

function record(what: string, f: LedgerFault): void {
  const ns = (s: string) => f.history.find((x) => x.state === s)?.ns;
  const ms = (a?: string | number | bigint, b?: string | number | bigint) =>
    a !== undefined && b !== undefined ? `${Number(BigInt(b) - BigInt(a)) / 1e6} ms` : '?';
  measured.push(
    `${what}: intended->verified ${ms(ns('intended'), ns('verified'))}, reverting->reverted ${ms(ns('reverting'), ns('reverted'))}`,
  );
}

/** While in effect: host2's processes in the frozen cgroup, the kernel saying frozen, the switch outside it. */
function expectFrozenBySwitch(pids: number[]): void {
  expect(frozen(frozenCg)).toBe(true);
  const alive = pids.filter((p) => processState(p) !== undefined);
  expect(alive.length).toBeGreaterThan(0);
  expect(alive.map(cgroupOf).every((cg) => cg === `/${frozenCg.slice(V2.length + 1)}`)).toBe(true);
  const sw = readFileSync(join(switchCg(), 'cgroup.procs'), 'utf8').split('\n').filter(Boolean);
  expect(sw.length).toBeGreaterThan(0);
}

describe('host-hang through havoc chaos inject with hosts[].chaos.hang.cgroups (SSH, dead man switch)', () => {
  it('freezes host2 (cgroup.events frozen 1, OpenSSH fails, ipmitool reads on); the run reverts by a power cycle and nothing is left frozen', async () => {
    const pids = await host2IntoCgroup();
    expect(await opensshLogin('host2')).toBe(true);
    const bootBefore = powerRecord();
    const ledgerDir = join(scratch, 'ledger-run');
    const child = spawnHavoc([
      '-i',
      inventory,
      'chaos',
      'inject',
      'host-hang',
      'host2',
      '--for',
      '5m',
      '--ledger',
      ledgerDir,
    ]);
    await verifiedOrSay(ledgerDir, child);
    expectFrozenBySwitch(pids);
    expect(await opensshLogin('host2')).toBe(false);
    expect(await ipmitoolPower(host('host2'), 'status')).toMatch(/Chassis Power is on/);
    // Ctrl-C ends the hold: the run reverts now, through the BMC.
    child.kill('SIGINT');
    const r = await child.done;
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/injected: in-effect/);
    expect(r.stdout).toMatch(/connected, no SSH banner within/);
    expect(r.stdout).toMatch(/reverted by .+: verified/);
    const f = readLedger(ledgerDir).faults[0]!;
    expect(f.history.map((e) => e.state)).toEqual([
      'intended',
      'injected',
      'verified',
      'reverting',
      'reverted',
    ]);
    record('run reverting by a BMC power cycle', f);
    expect(await opensshLogin('host2')).toBe(true);
    expect(powerRecord()).not.toBe(bootBefore);
    // Power cycled: every process of host2 is a new one, in no frozen cgroup; the old cgroups are empty.
    const { stdout } = await run('ip', ['netns', 'pids', hostNetns(LAB, 2)], { timeout: 10_000 });
    const now = stdout.split('\n').filter(Boolean).map(Number);
    expect(now.length).toBeGreaterThan(0);
    expect(now.filter((p) => pids.includes(p))).toEqual([]);
    expect(now.map(cgroupOf).filter((cg) => cg !== undefined && cg !== '/')).toEqual([]);
    for (const cg of [frozenCg, switchCg()])
      expect(readFileSync(join(cg, 'cgroup.events'), 'utf8')).toMatch(/^populated 0$/m);
    // What a real host's reboot does to its cgroup tree, for this machine's.
    writeFileSync(join(frozenCg, 'cgroup.freeze'), '0');
    rmdirSync(switchCg());
  }, 240_000);

  it('thaws by itself after the maximum duration when the run and its guardian are killed, with no power cycle; heal then finds nothing to undo', async () => {
    const pids = await host2IntoCgroup();
    expect(await opensshLogin('host2')).toBe(true);
    const bootBefore = powerRecord();
    const ledgerDir = join(scratch, 'ledger-killed');
    const child = spawnHavoc([
      '-i',
      inventory,
      'chaos',
      'inject',
      'host-hang',
      'host2',
      '--for',
      '10s',
      '--max-duration',
      '25s',
      '--ledger',
      ledgerDir,
    ]);
    const f = await verifiedOrSay(ledgerDir, child);
    expectFrozenBySwitch(pids);
    expect(f.intended!.maxDurationMs).toBe(25_000);
    const guardian = f.intended!.guardianPid!;
    // A run killed with its guardian: nothing on the station is left to revert it.
    process.kill(guardian, 'SIGKILL');
    child.kill('SIGKILL');
    expect((await child.done).signal).toBe('SIGKILL');
    await waitForState(guardian, (s) => s === undefined || s === 'Z', 30_000);
    const killedAt = performance.now();
    await pollUntil(async () => (frozen(frozenCg) ? undefined : true), AbortSignal.timeout(120_000), {
      initialMs: 200,
      maxMs: 1_000,
    });
    measured.push(
      `switch thawed host2 ${Math.round(performance.now() - killedAt)} ms after the run was killed`,
    );
    expect(await opensshLogin('host2')).toBe(true);
    await pollUntil(async () => (existsSync(switchCg()) ? undefined : true), AbortSignal.timeout(30_000), {
      initialMs: 100,
      maxMs: 500,
    });
    expect(powerRecord()).toBe(bootBefore);
    expect(readLedger(ledgerDir).faults[0]!.state).toBe('verified');
    const healed = await havocChild(['-i', inventory, 'heal', '--ledger', ledgerDir]);
    expect(healed.stderr).toBe('');
    expect(healed.code).toBe(0);
    const after = readLedger(ledgerDir).faults[0]!;
    expect(after.state).toBe('reverted');
    record('healed after the switch thawed it', after);
    expect(powerRecord()).toBe(bootBefore);
    expect(frozen(frozenCg)).toBe(false);
  }, 240_000);
});
