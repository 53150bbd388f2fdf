import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { InjectReport } from '../../chaos/inject.js';
import { readLedger } from '../../chaos/ledger/reader.js';
import { readTimeline } from '../../chaos/timeline/reader.js';
import { monotonicMs } from '../../core/deadline.js';
import { labStateDir } from '../../lab/paths.js';
import { type LabState, readLabState } from '../../lab/state.js';
import { fetchGuestStatus } from '../../lab/vm/guestProbe.js';
import { parseCliConstraints } from '../../protocols/pacemaker/index.js';
import { crmIn, crmMon, hostOf, waitForCluster } from '../lab-ha/ha-peers.js';
import { startTestLab, type TestLab } from '../support/lab-fixture.js';
import { tempDir } from '../support/temp-dir.js';
import { havocChild, spawnHavoc, waitForFault, waitForState } from './chaos-cli.js';

/*
 * The planned actions on a 3-host HA lab (corosync, Pacemaker, libvirtd,
 * ocf:heartbeat:VirtualDomain VMs, fence_ipmilan: the lab's defaults), each
 * run as `havoc chaos inject` in a child process, as a user runs it. What
 * havoc says is checked against observers that do not use havoc's code
 * paths: crm_mon and cibadmin run inside another lab host (nsenter, not
 * havoc's SSH), and the VM's own HTTP page from the station (its boot id
 * tells a live migration from a restart). Timings are printed, never
 * asserted.
 */

const LAB = 'ac1';
let lab: TestLab;
let state: LabState;
let scratch: string;
const measured: string[] = [];
const HOSTS = ['host1', 'host2', 'host3'];
/*
 * Not havoc's default 10 ms: the lab guest's busybox httpd forks a process per
 * connection under TCG, and at 100 requests a second on this shared machine it
 * fell behind (bench/probe/migration.ts: a 200 ms poller beside it failed for
 * 7-34 s around a migration while ping lost nothing). 50 ms still shows an
 * outage of a few hundred ms and the boot id of every answer.
 */
const PROBE_INTERVAL = '50ms';

beforeAll(async () => {
  lab = await startTestLab(LAB, {
    hosts: 3,
    volumes: 2,
    ha: { vms: 2, fenceAgent: 'fence_ipmilan', vmAgent: 'virtualdomain' },
    timeoutMs: 300_000,
  });
  state = readLabState(labStateDir(LAB))!;
  scratch = tempDir('havoc-actions-');
  await waitForCluster(state, 'host1', 'both VMs Started', 120_000, (st) =>
    hostOf(st, 'vm1') && hostOf(st, 'vm2') ? true : undefined,
  );
}, 360_000);

afterAll(async () => {
  console.log(`planned actions, measured:\n  ${measured.join('\n  ')}`);
  await lab?.down();
}, 90_000);

const vmUrl = (vm: string) => `http://${state.ha!.vms.find((v) => v.name === vm)!.ip}/`;
const ledgerOf = (name: string) => join(scratch, name, 'ledger');
const injectArgs = (ledgerDir: string, args: readonly string[], hold: string) => [
  '--json',
  '-i',
  lab.inventory,
  'chaos',
  'inject',
  ...args,
  '--for',
  hold,
  '--ledger',
  ledgerDir,
];
/** A node other than `not`, to look from. */
const observerOf = (not: string | undefined) => HOSTS.find((h) => h !== not)!;

async function cliConstraints(from: string) {
  return parseCliConstraints(await crmIn(state, from, ['cibadmin', '--query', '--scope', 'constraints']));
}

/** The lab as it was: every node online out of standby, both VMs Started, no cli- constraint, the ledger empty. */
async function expectSteady(ledgerDir: string) {
  const st = await waitForCluster(state, 'host1', 'the lab steady', 180_000, (s) =>
    s.nodes.every((n) => n.online && !n.standby) && hostOf(s, 'vm1') && hostOf(s, 'vm2') ? s : undefined,
  );
  expect(st.nodes.map((n) => `${n.name}:${n.online}:${n.standby}`)).toEqual([
    'host1:true:false',
    'host2:true:false',
    'host3:true:false',
  ]);
  expect(await cliConstraints('host2')).toEqual([]);
  const status = await havocChild(['--json', 'chaos', 'status', '--ledger', ledgerDir]);
  expect(status.code).toBe(0);
}

function actionRecords(timeline: string, id: string) {
  return readTimeline(timeline)
    .records.filter((r) => r.kind === 'action' && r.id === id)
    .map((r) => r as Extract<typeof r, { kind: 'action' }>);
}

describe('planned actions on the HA lab through havoc chaos inject (real Pacemaker, VirtualDomain, libvirtd, QEMU)', () => {
  it("live-migrate moves vm1 to another host with the same boot id, clears cli-prefer-, and records libvirt's downtime beside the probe's outage", async () => {
    const ledgerDir = ledgerOf('migrate');
    const before = hostOf(await crmMon(state, 'host1'), 'vm1')!;
    const havocProbe = spawnHavoc([
      '--json',
      '-i',
      lab.inventory,
      'probe',
      'vm1',
      '--interval',
      PROBE_INTERVAL,
      '--realtime',
    ]);
    await new Promise((r) => setTimeout(r, 1_000));
    const started = monotonicMs();
    const r = await havocChild(injectArgs(ledgerDir, ['live-migrate', '-p', 'vm=vm1'], '1s'));
    const tookMs = monotonicMs() - started;
    const bootAfter = await waitForAnswer(vmUrl('vm1'));
    await new Promise((res) => setTimeout(res, 500));
    havocProbe.kill('SIGINT');
    const probeRun = await havocProbe.done;
    const lines = probeRun.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const samples = lines.filter((l) => l.kind === 'probe') as {
      ok: boolean;
      fields?: { bootId?: string };
    }[];
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as InjectReport;
    expect(report.injected?.state).toBe('in-effect');
    expect(report.reverted.ok).toBe(true);
    const detail = report.actionDetail as Record<string, unknown>;
    expect(detail.from).toBe(before);
    expect(detail.to).not.toBe(before);
    // Independent: crm_mon inside a node other than the target, cibadmin's CIB, the guest's own boot id.
    const to = detail.to as string;
    expect(hostOf(await crmMon(state, observerOf(to)), 'vm1')).toBe(to);
    expect(await cliConstraints(observerOf(to))).toEqual([]);
    // The VM's own page, from the station: every answer during the run and the first after it carry one boot id.
    const answered = samples.filter((s) => s.ok);
    expect(answered.length).toBeGreaterThan(0);
    expect([...new Set([...answered.map((s) => s.fields?.bootId), bootAfter])]).toHaveLength(1);
    const actions = actionRecords(report.timeline, report.fault);
    expect(actions.map((a) => a.phase)).toEqual(['start', 'done']);
    expect(actions[1]!.detail?.to).toBe(to);
    expect(String(actions[1]!.detail?.downtimeSource)).toMatch(/^libvirt virsh domjobinfo --completed on /);
    const summary = lines.at(-1) as unknown as {
      kind: string;
      longestOutageNs: string;
      requests: number;
      failed: number;
      bootIdChanges: unknown[];
    };
    expect(summary.kind).toBe('probe-summary');
    expect(summary.bootIdChanges).toEqual([]);
    measured.push(
      `live-migrate vm1 ${before} -> ${to}: havoc chaos inject ${(tookMs / 1000).toFixed(1)} s; migration ${detail.elapsedMs} ms; ` +
        `libvirt's downtime ${detail.downtimeMs} ms; havoc probe (${PROBE_INTERVAL}, real-time) longest outage ${(Number(summary.longestOutageNs) / 1e6).toFixed(1)} ms ` +
        `(${summary.failed}/${summary.requests} failed)`,
    );
    await expectSteady(ledgerDir);
  }, 400_000);

  it('host-standby empties a host (crm_mon from another node: standby, nothing on it); Ctrl-C reverts it, standby off', async () => {
    const ledgerDir = ledgerOf('standby');
    const host = hostOf(await crmMon(state, 'host1'), 'vm2')!;
    const child = spawnHavoc(injectArgs(ledgerDir, ['host-standby', '-p', `host=${host}`], '10m'));
    await waitForFault(ledgerDir, (f) => f.state === 'verified', 400_000);
    const seen = await crmMon(state, observerOf(host));
    const node = seen.nodes.find((n) => n.name === host)!;
    expect(node.standby).toBe(true);
    expect(node.resourcesRunning).toBe(0);
    expect(seen.resources.filter((r) => r.active && r.nodes.includes(host))).toEqual([]);
    expect(hostOf(seen, 'vm2')).not.toBe(host);
    child.kill('SIGINT');
    const r = await child.done;
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as InjectReport;
    expect(report.reverted.ok).toBe(true);
    const after = await crmMon(state, observerOf(host));
    expect(after.nodes.find((n) => n.name === host)!.standby).toBe(false);
    expect(actionRecords(report.timeline, report.fault).map((a) => a.phase)).toEqual(['start', 'done']);
    const ledger = readLedger(ledgerDir).faults[0]!;
    measured.push(
      `host-standby ${host}: ${msBetween(ledger, 'intended', 'injected')} ms to empty, revert ${msBetween(ledger, 'reverting', 'reverted')} ms`,
    );
    await expectSteady(ledgerDir);
  }, 600_000);

  it('vm-stop stops vm2 through Pacemaker (Stopped in crm_mon, its page gone); Ctrl-C starts it again, running with a new boot id', async () => {
    const ledgerDir = ledgerOf('stop');
    const bootBefore = (await guestPage(vmUrl('vm2'))).bootId;
    const child = spawnHavoc(injectArgs(ledgerDir, ['vm-stop', '-p', 'vm=vm2'], '10m'));
    await waitForFault(ledgerDir, (f) => f.state === 'verified', 300_000);
    const seen = await crmMon(state, 'host3');
    const r2 = seen.resources.find((r) => r.id === 'vm2')!;
    expect(`${r2.role}:${r2.active}:${r2.targetRole}`).toBe('Stopped:false:Stopped');
    expect((await guestPage(vmUrl('vm2'))).ok).toBe(false);
    child.kill('SIGINT');
    const r = await child.done;
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as InjectReport;
    expect(report.reverted.ok).toBe(true);
    expect(hostOf(await crmMon(state, 'host3'), 'vm2')).toBeDefined();
    const again = await waitForAnswer(vmUrl('vm2'));
    expect(again).not.toBe(bootBefore);
    const ledger = readLedger(ledgerDir).faults[0]!;
    measured.push(
      `vm-stop vm2: stopped after ${msBetween(ledger, 'intended', 'injected')} ms, started again ${msBetween(ledger, 'reverting', 'reverted')} ms`,
    );
    await expectSteady(ledgerDir);
  }, 600_000);

  it('kill -9 of a live-migrate run after its crm_resource --move: the guardian clears cli-prefer- and records the action failed', async () => {
    const ledgerDir = ledgerOf('kill');
    const before = hostOf(await crmMon(state, 'host1'), 'vm1')!;
    const child = spawnHavoc(injectArgs(ledgerDir, ['live-migrate', '-p', 'vm=vm1'], '1s'));
    const intent = await waitForFault(ledgerDir, (f) => f.intended !== undefined, 120_000);
    // Mid-action: the move is in the CIB and the run is waiting for the migration to finish.
    let sawConstraint = false;
    const deadline = monotonicMs() + 120_000;
    while (monotonicMs() < deadline) {
      if ((await cliConstraints(observerOf(before))).some((c) => c.id === 'cli-prefer-vm1')) {
        sawConstraint = true;
        break;
      }
      await new Promise((res) => setTimeout(res, 100));
    }
    expect(sawConstraint).toBe(true);
    child.kill('SIGKILL');
    expect((await child.done).signal).toBe('SIGKILL');
    await waitForState(intent.intended!.guardianPid!, (s) => s === undefined || s === 'Z', 400_000);
    const healed = readLedger(ledgerDir).faults.find((f) => f.id === intent.id)!;
    expect(healed.state).toBe('reverted');
    expect(healed.history.at(-1)!.by).toMatch(/^guardian-/);
    expect(await cliConstraints(observerOf(before))).toEqual([]);
    const phases = actionRecords(intent.intended!.timeline!, intent.id).map((a) => a.phase);
    expect(phases[0]).toBe('start');
    // Killed before its `injected` record: the guardian's revert marks it failed; killed just after: done.
    expect(['failed', 'done']).toContain(phases[1]);
    measured.push(
      `live-migrate killed mid-move: guardian left vm1 on ${hostOf(await crmMon(state, 'host1'), 'vm1')}, action ${phases.join(' -> ')}`,
    );
    await expectSteady(ledgerDir);
  }, 600_000);

  it('live-migrate on a libvirt-only inventory (vm2 unmanaged by Pacemaker meanwhile): virsh migrate --live between the lab libvirtds, same boot id, libvirt downtime recorded', async () => {
    const ledgerDir = ledgerOf('libvirt');
    const from = hostOf(await crmMon(state, 'host1'), 'vm2')!;
    const to = HOSTS.find((h) => h !== from)!;
    const port = (
      await crmIn(state, 'host1', ['crm_resource', '--resource', 'vm2', '--get-parameter', 'migrateport'])
    ).trim();
    const inventory = join(tempDir('havoc-actions-libvirt-'), 'inventory.yaml');
    const doc = parse(readFileSync(lab.inventory, 'utf8')) as Record<string, unknown>;
    doc.haManager = { type: 'libvirt', uri: 'qemu:///system' };
    writeFileSync(inventory, stringify(doc));
    const meta = ['crm_resource', '--resource', 'vm2', '--meta'];
    await crmIn(state, 'host1', [...meta, '--set-parameter', 'is-managed', '--parameter-value', 'false']);
    try {
      const probe = spawnHavoc([
        '--json',
        '-i',
        inventory,
        'probe',
        'vm2',
        '--interval',
        PROBE_INTERVAL,
        '--realtime',
      ]);
      await new Promise((res) => setTimeout(res, 1_000));
      const r = await havocChild([
        '--json',
        '-i',
        inventory,
        'chaos',
        'inject',
        'live-migrate',
        '-p',
        'vm=vm2',
        '-p',
        `to=${to}`,
        '-p',
        `uri=qemu+tcp://${to}-migr/system`,
        '-p',
        `migrateuri=tcp:${to}-migr:${port}`,
        '--for',
        '1s',
        '--ledger',
        ledgerDir,
      ]);
      const bootAfter = await waitForAnswer(vmUrl('vm2'));
      await new Promise((res) => setTimeout(res, 500));
      probe.kill('SIGINT');
      const lines = (await probe.done).stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(r.code, r.stderr + r.stdout).toBe(0);
      const report = JSON.parse(r.stdout) as InjectReport;
      const detail = report.actionDetail as Record<string, unknown>;
      expect(detail).toMatchObject({ vm: 'vm2', from, to, manager: 'libvirt' });
      // Independent: each host's own libvirtd, asked inside the host.
      const running = async (h: string) =>
        (await crmIn(state, h, ['virsh', '--connect', 'qemu:///system', 'list', '--name']))
          .split('\n')
          .includes('vm2');
      expect([await running(from), await running(to)]).toEqual([false, true]);
      const samples = lines.filter((l) => l.kind === 'probe') as {
        ok: boolean;
        fields?: { bootId?: string };
      }[];
      expect(samples.some((x) => x.ok)).toBe(true);
      expect([
        ...new Set([...samples.filter((x) => x.ok).map((x) => x.fields?.bootId), bootAfter]),
      ]).toHaveLength(1);
      const summary = lines.at(-1) as { longestOutageNs: string };
      measured.push(
        `live-migrate vm2 (libvirt only) ${from} -> ${to}: migration ${detail.elapsedMs} ms; libvirt's downtime ${detail.downtimeMs} ms; havoc probe longest outage ${(Number(summary.longestOutageNs) / 1e6).toFixed(1)} ms`,
      );
    } finally {
      // Pacemaker still believes vm2 is on the source: re-probe every node while it is unmanaged, then manage it
      // again (managed at once, its monitor on the source would say "not running" and recover it there: twice).
      await crmIn(state, 'host1', ['crm_resource', '--cleanup', '--resource', 'vm2']);
      await waitForCluster(state, 'host1', 'vm2 found where it runs now', 120_000, (st) =>
        st.resources.find((x) => x.id === 'vm2' && x.active && x.nodes.length === 1 && x.nodes[0] === to)
          ? true
          : undefined,
      ).catch(() => undefined);
      await crmIn(state, 'host1', [...meta, '--delete-parameter', 'is-managed']);
    }
    await expectSteady(ledgerDir);
  }, 600_000);
});

function msBetween(f: ReturnType<typeof readLedger>['faults'][number], a: string, b: string): number {
  const at = (s: string) => BigInt(f.history.find((h) => h.state === s)!.ns);
  return Number((at(b) - at(a)) / 1_000_000n);
}

/** The guest's own page once, from the station (lab/vm/guestProbe.ts: a fresh connection, its boot id). */
async function guestPage(url: string): Promise<{ ok: boolean; bootId?: string }> {
  try {
    return { ok: true, bootId: (await fetchGuestStatus(url, { timeoutMs: 2_000 })).bootId };
  } catch {
    return { ok: false };
  }
}

async function waitForAnswer(url: string): Promise<string> {
  const deadline = monotonicMs() + 180_000;
  while (monotonicMs() < deadline) {
    const s = await guestPage(url);
    if (s.ok) return s.bootId!;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${url} did not answer within 180 s`);
}
