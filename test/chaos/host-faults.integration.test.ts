import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LedgerFault } from '../../chaos/ledger/reader.js';
import { readLedger } from '../../chaos/ledger/reader.js';
import type { HostConfig } from '../../inventory/schema.js';
import { runInHost } from '../../lab/ha/host-command.js';
import { hostNetns } from '../../lab/names.js';
import { type LabState, readLabState } from '../../lab/state.js';
import { parseStonithHistory } from '../../protocols/pacemaker/index.js';
import { ipmitoolPower } from '../lab/ipmitool-peer.js';
import { crmIn, waitForCluster } from '../lab-ha/ha-peers.js';
import { startTestLab, type TestLab } from '../support/lab-fixture.js';
import { spawnHavoc, waitForFault, waitForState } from './chaos-cli.js';

/*
 * host-crash, host-hang and daemon-kill on a 2-host HA lab (real corosync,
 * Pacemaker, libvirtd, fence_ipmilan, ipmi_sim, QEMU), each through
 * `havoc chaos inject` as a child process. The observers are independent of
 * havoc: ipmitool for power, the host namespace's processes read from
 * /proc on this machine, crm_mon and stonith_admin on the other node for
 * what the cluster saw, pidof inside the host (nsenter, not havoc's SSH).
 * Timings are recorded and printed, never asserted.
 */

const LAB = 'fhfaults';
const run = promisify(execFile);
let lab: TestLab;
let state: LabState;
let scratch: string;
const measured: string[] = [];

beforeAll(async () => {
  lab = await startTestLab(LAB, {
    hosts: 2,
    volumes: 1,
    ha: { vms: 1, fenceAgent: 'fence_ipmilan', vmAgent: 'virtualdomain' },
    timeoutMs: 300_000,
  });
  state = readLabState(lab.stateDir)!;
  scratch = mkdtempSync(join(tmpdir(), 'havoc-host-faults-'));
  await steadyState('the lab after lab up');
}, 360_000);

afterAll(async () => {
  console.log(`host faults in the HA lab (ledger ns):\n  ${measured.join('\n  ')}`);
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  await lab?.down();
}, 120_000);

const host = (name: string): HostConfig => lab.loaded.inventory.hosts.find((h) => h.name === name)!;
const netnsOf = (name: string) => hostNetns(LAB, Number(name.replace(/^host/, '')));
const ledgerOf = (name: string) => join(scratch, name, 'ledger');
const inject = (ledgerDir: string, args: string[]) =>
  spawnHavoc(['-i', lab.inventory, 'chaos', 'inject', ...args, '--for', '10m', '--ledger', ledgerDir]);
const gone = (s: string | undefined) => s === undefined || s === 'Z';

/** PIDs of the host namespace's processes (what `ip netns pids` lists), read by iproute2, not havoc. */
async function netnsPids(name: string): Promise<number[]> {
  const { stdout } = await run('ip', ['netns', 'pids', netnsOf(name)], { timeout: 10_000 });
  return stdout.split('\n').filter(Boolean).map(Number);
}

function procState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  } catch {
    return undefined;
  }
}

/** pidof inside the host (nsenter into its namespaces from here: independent of havoc's SSH). */
async function pidofInHost(name: string, program: string): Promise<number[]> {
  const r = await runInHost(name, state.hosts[name]!, ['pidof', program], AbortSignal.timeout(15_000), {
    allowFailure: true,
  });
  return r.stdout.trim().split(/\s+/).filter(Boolean).map(Number);
}

/** Every node online, both fence devices started and the VM started: the lab's steady state, seen by crm_mon on host1. */
async function steadyState(what: string): Promise<void> {
  await waitForCluster(state, 'host1', `${what}: steady state`, 240_000, (st) =>
    st.nodes.length === 2 &&
    st.nodes.every((n) => n.online && !n.unclean) &&
    ['fence-host1', 'fence-host2', 'vm1'].every((id) => {
      const r = st.resources.find((x) => x.id === id);
      return r?.role === 'Started' && r.nodes.length === 1;
    })
      ? true
      : undefined,
  );
}

/** host1's crm_mon sees host2 lost (offline or unclean). */
async function host1SeesHost2Lost(): Promise<void> {
  await waitForCluster(state, 'host1', 'host1 seeing host2 lost', 120_000, (st) => {
    const n = st.nodes.find((x) => x.name === 'host2');
    return n && (!n.online || n.unclean) ? true : undefined;
  });
}

async function fencesOfHost2(): Promise<number> {
  // --verbose: without it stonith_admin shows only the last successful fence, so a second one never counts.
  const xml = await crmIn(state, 'host1', [
    'stonith_admin',
    '--history',
    'host2',
    '--verbose',
    '--output-as=xml',
  ]);
  return parseStonithHistory(xml).filter((e) => e.status === 'success').length;
}

async function waitForNewFence(before: number): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if ((await fencesOfHost2().catch(() => before)) > before) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`no new successful fence of host2 in host1's stonith history within 120 s (had ${before})`);
}

/** intended -> verified and reverting -> reverted, in ms, from the ledger's monotonic ns. */
function record(what: string, f: LedgerFault): void {
  const ns = (state: string) => {
    const e = f.history.find((x) => x.state === state);
    return e ? BigInt(e.ns) : undefined;
  };
  const ms = (a?: bigint, b?: bigint) =>
    a !== undefined && b !== undefined ? `${Number(b - a) / 1e6} ms` : '?';
  measured.push(
    `${what}: intended->verified ${ms(ns('intended'), ns('verified'))}, reverting->reverted ${ms(ns('reverting'), ns('reverted'))}`,
  );
}

/** Ctrl-C ends the hold: the run reverts, verifies, exits 0, and the ledger holds the whole history. */
async function interruptAndCheck(child: ReturnType<typeof inject>, ledgerDir: string, what: string) {
  child.kill('SIGINT');
  const r = await child.done;
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/injected: in-effect/);
  expect(r.stdout).toMatch(/reverted by .+: verified/);
  const f = readLedger(ledgerDir).faults[0]!;
  expect(f.history.map((e) => e.state)).toEqual([
    'intended',
    'injected',
    'verified',
    'reverting',
    'reverted',
  ]);
  record(what, f);
  return { stdout: r.stdout, fault: f };
}

/** SIGKILL of the run once the fault is verified: the guardian reverts it and the ledger says so. */
async function killedWhileInjected(ledgerDir: string, args: string[], whileIn: () => Promise<void>) {
  const child = inject(ledgerDir, args);
  const f = await waitForFault(ledgerDir, (x) => x.state === 'verified', 180_000);
  await whileIn();
  child.kill('SIGKILL');
  expect((await child.done).signal).toBe('SIGKILL');
  await waitForState(f.intended!.guardianPid!, gone, 600_000);
  const healed = readLedger(ledgerDir).faults[0]!;
  expect(healed.state).toBe('reverted');
  expect(healed.history.at(-1)!.by).toMatch(/^guardian-/);
  record(`${args[0]} healed by the guardian`, healed);
}

describe('host-crash through havoc chaos inject (the lab BMC diagnostic interrupt)', () => {
  it('ipmitool reads power on while every process of host2 is gone; host1 sees host2 lost and fences it; Ctrl-C brings host2 back', async () => {
    const h = host('host2');
    expect(await ipmitoolPower(h, 'status')).toMatch(/Chassis Power is on/);
    expect((await netnsPids('host2')).length).toBeGreaterThan(0);
    const fencesBefore = await fencesOfHost2();
    const ledgerDir = ledgerOf('crash');
    const child = inject(ledgerDir, ['host-crash', 'host2']);
    await waitForFault(ledgerDir, (f) => f.state === 'verified', 180_000);
    // Before the cluster's fence powers it off: power on, nothing of the host left.
    const [power, pids] = await Promise.all([ipmitoolPower(h, 'status'), netnsPids('host2')]);
    expect(power).toMatch(/Chassis Power is on/);
    expect(pids).toEqual([]);
    await host1SeesHost2Lost();
    await waitForNewFence(fencesBefore);
    const { stdout, fault } = await interruptAndCheck(child, ledgerDir, 'host-crash host2');
    expect(stdout).toMatch(/IPMI BMC of host2 .*reads power on/);
    expect(stdout).toMatch(/SSH to host2 \(.+\): no answer/);
    expect(fault.history.find((e) => e.state === 'injected')!).toMatchObject({
      detail: expect.stringMatching(/Chassis Control pulse diagnostic interrupt/),
    });
    expect(await ipmitoolPower(h, 'status')).toMatch(/Chassis Power is on/);
    await steadyState('after host-crash');
  }, 480_000);

  it('is healed by the guardian when the run is killed with SIGKILL while host2 is crashed', async () => {
    const fencesBefore = await fencesOfHost2();
    // The kill comes once the cluster has fenced host2, so the guardian's revert is the last thing that happens
    // to it: killed earlier, host1 may notice the loss only after the revert and fence the host that came back.
    await killedWhileInjected(ledgerOf('crash-kill'), ['host-crash', 'host2'], async () => {
      expect(await netnsPids('host2')).toEqual([]);
      await host1SeesHost2Lost();
      await waitForNewFence(fencesBefore);
    });
    expect(await ipmitoolPower(host('host2'), 'status')).toMatch(/Chassis Power is on/);
    expect((await pidofInHost('host2', 'sshd')).length).toBeGreaterThan(0);
    await steadyState('after host-crash healed by the guardian');
  }, 480_000);
});

describe('host-hang through havoc chaos inject (SIGSTOP of the host namespace)', () => {
  it('every process of host2 reads state T in /proc and ipmitool reads power on; host1 fences host2; Ctrl-C thaws or powers it back', async () => {
    const fencesBefore = await fencesOfHost2();
    const ledgerDir = ledgerOf('hang');
    const child = inject(ledgerDir, ['host-hang', 'host2']);
    await waitForFault(ledgerDir, (f) => f.state === 'verified', 180_000);
    const pids = await netnsPids('host2');
    expect(pids.length).toBeGreaterThan(0);
    const states = pids.map(procState).filter((s) => s !== undefined);
    expect(states.length).toBeGreaterThan(0);
    expect(states.every((s) => s === 'T')).toBe(true);
    expect(await ipmitoolPower(host('host2'), 'status')).toMatch(/Chassis Power is on/);
    await host1SeesHost2Lost();
    await waitForNewFence(fencesBefore);
    const { stdout } = await interruptAndCheck(child, ledgerDir, 'host-hang host2');
    expect(stdout).toMatch(/processes in state T \(stopped\) in \/proc/);
    expect((await netnsPids('host2')).map(procState).filter((s) => s === 'T')).toEqual([]);
    await steadyState('after host-hang');
  }, 480_000);

  it('is healed by the guardian when the run is killed with SIGKILL while host2 is frozen', async () => {
    const fencesBefore = await fencesOfHost2();
    await killedWhileInjected(ledgerOf('hang-kill'), ['host-hang', 'host2'], async () => {
      const states = (await netnsPids('host2')).map(procState).filter((s) => s !== undefined);
      expect(states.length).toBeGreaterThan(0);
      expect(states.every((s) => s === 'T')).toBe(true);
      // As for the crash: the guardian's revert after the cluster's fence, never before it.
      await host1SeesHost2Lost();
      await waitForNewFence(fencesBefore);
    });
    expect((await netnsPids('host2')).map(procState).filter((s) => s === 'T')).toEqual([]);
    await steadyState('after host-hang healed by the guardian');
  }, 480_000);
});

describe('daemon-kill through havoc chaos inject', () => {
  it('corosync on host2: its pid gone inside the host, host1 fences host2 (expected); Ctrl-C brings host2 back with corosync running', async () => {
    const before = await pidofInHost('host2', 'corosync');
    expect(before).toHaveLength(1);
    const fencesBefore = await fencesOfHost2();
    const ledgerDir = ledgerOf('kill-corosync');
    const child = inject(ledgerDir, ['daemon-kill', 'host2', '-p', 'daemon=corosync']);
    await waitForFault(ledgerDir, (f) => f.state === 'verified', 180_000);
    await host1SeesHost2Lost();
    await waitForNewFence(fencesBefore);
    const { stdout, fault } = await interruptAndCheck(child, ledgerDir, 'daemon-kill corosync host2');
    expect(stdout).toMatch(/host2: killed pid \d+ is gone/);
    expect(fault.history.find((e) => e.state === 'injected')!).toMatchObject({
      detail: `SIGKILL corosync on host2: pid ${before[0]}`,
    });
    expect(await pidofInHost('host2', 'corosync')).toHaveLength(1);
    await steadyState('after daemon-kill corosync');
  }, 480_000);

  it("vm1's QEMU: the pid gone inside its host, the cluster restarts the VM; Ctrl-C waits until it runs", async () => {
    const vmHost = await waitForCluster(
      state,
      'host1',
      'where vm1 runs',
      60_000,
      (s) => s.resources.find((r) => r.id === 'vm1')?.nodes[0],
    );
    const pidFile = '/run/libvirt/qemu/vm1.pid';
    const read = async () =>
      Number(
        (
          await runInHost(vmHost, state.hosts[vmHost]!, ['cat', pidFile], AbortSignal.timeout(15_000))
        ).stdout.trim(),
      );
    const old = await read();
    const ledgerDir = ledgerOf('kill-qemu');
    const child = inject(ledgerDir, ['daemon-kill', vmHost, '-p', 'daemon=qemu', '-p', 'vm=vm1']);
    await waitForFault(ledgerDir, (f) => f.state === 'verified', 180_000);
    const alive = await runInHost(
      vmHost,
      state.hosts[vmHost]!,
      ['kill', '-0', String(old)],
      AbortSignal.timeout(15_000),
      {
        allowFailure: true,
      },
    );
    expect(alive.code).not.toBe(0);
    const { fault } = await interruptAndCheck(child, ledgerDir, `daemon-kill qemu vm1 ${vmHost}`);
    expect(fault.history.find((e) => e.state === 'injected')!).toMatchObject({
      detail: `SIGKILL the QEMU of vm1 on ${vmHost}: pid ${old}`,
    });
    await steadyState('after daemon-kill qemu');
  }, 480_000);

  it('libvirtd on host2 is started again by the guardian (the lab service script) when the run is killed with SIGKILL', async () => {
    const before = await pidofInHost('host2', 'libvirtd');
    expect(before).toHaveLength(1);
    await killedWhileInjected(
      ledgerOf('kill-libvirtd'),
      ['daemon-kill', 'host2', '-p', 'daemon=libvirtd'],
      async () => {
        expect(await pidofInHost('host2', 'libvirtd')).toEqual([]);
      },
    );
    const after = await pidofInHost('host2', 'libvirtd');
    expect(after).toHaveLength(1);
    expect(after[0]).not.toBe(before[0]);
    await steadyState('after daemon-kill libvirtd healed by the guardian');
  }, 480_000);
});
