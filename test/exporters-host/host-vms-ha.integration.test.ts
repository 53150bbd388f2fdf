import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deadlineSignal, monotonicMs, pollUntil } from '../../core/deadline.js';
import { COLLECTORS } from '../../exporters/collectors/index.js';
import { type RunningExporter, startExporter } from '../../exporters/server.js';
import { hostInitPid } from '../../lab/boot-services.js';
import type { VmAgent } from '../../lab/ha/ha-plan.js';
import { DEFAULT_STATE_ROOT } from '../../lab/ocf/agentParams.js';
import { labStateDir } from '../../lab/paths.js';
import { type LabState, readLabState } from '../../lab/state.js';
import { vmPaths } from '../../lab/vm/vmSpec.js';
import { QmpClient } from '../../protocols/qmp/client.js';
import { probe } from '../exporters/exporter-lab.js';
import { crmIn, crmMon, hostOf, waitForCluster } from '../lab-ha/ha-peers.js';
import { startTestLab, type TestLab } from '../support/lab-fixture.js';

/*
 * The host module against the HA lab's own VMs, with both VM agents, through
 * the exporter's HTTP server: corosync + Pacemaker on two lab hosts running
 * two QEMU VMs, as ocf:heartbeat:VirtualDomain (libvirtd per host, read with
 * virsh) and as ocf:havoc:qemu-vm (QEMU with two -qmp sockets, read over
 * QMP). Every VM must show as running on the host crm_mon places it on, and
 * on no other host. One lab per agent, one after the other.
 */

const VMS = ['vm1', 'vm2'];
const HOSTS = ['host1', 'host2'];
const log = pino({ level: 'silent' });

/** Where crm_mon has every VM Started, asked on each host in turn until one answers with all placed. */
async function placement(state: LabState): Promise<Map<string, string>> {
  for (const host of HOSTS) {
    const st = await crmMon(state, host).catch(() => undefined);
    if (!st) continue;
    const placed = new Map(VMS.map((vm) => [vm, hostOf(st, vm)] as const));
    if ([...placed.values()].every((h) => h !== undefined)) return placed as Map<string, string>;
  }
  throw new Error(`crm_mon on ${HOSTS.join(', ')}: not every VM of ${VMS.join(', ')} is Started`);
}

/** The VMs a host's scrape reports running, from `source`. */
function runningVms(text: string, source: string): string[] {
  const re = new RegExp(`^havoc_vm_state\\{vm="([^"]+)",source="${source}",state="running"\\} 1$`, 'gm');
  return [...text.matchAll(re)].map((m) => m[1]!).sort();
}

interface HaLabCase {
  agent: VmAgent;
  lab: string;
  /** The `source` label of havoc_vm_state for this agent's VMs, and the host source that reads them. */
  source: 'libvirt' | 'qemu';
  hostSource: 'libvirt' | 'qmp';
}

/** Brings up the case's lab and an exporter on it around the tests of the calling describe block. */
function withHaLab(c: HaLabCase): { state: () => LabState; exporterUrl: () => string } {
  let lab: TestLab | undefined;
  let state: LabState | undefined;
  let exporter: RunningExporter | undefined;
  beforeAll(async () => {
    lab = await startTestLab(c.lab, {
      hosts: HOSTS.length,
      volumes: VMS.length,
      ha: { vms: VMS.length, fenceAgent: 'fence_ipmilan', vmAgent: c.agent },
      timeoutMs: 240_000,
    });
    state = readLabState(labStateDir(c.lab, process.env))!;
    exporter = await startExporter({
      loaded: lab.loaded,
      collectors: COLLECTORS,
      listen: { host: '127.0.0.1', port: 0 },
      log,
    });
  }, 300_000);
  afterAll(async () => {
    await exporter?.close();
    await lab?.down();
  }, 90_000);
  return { state: () => state!, exporterUrl: () => exporter!.url };
}

/**
 * One /probe of a host through the exporter that the collector completed. A scrape that failed (a timeout:
 * the shared machine is at times loaded far beyond its 2 cores) is tried again; its errors are printed, and
 * the last ones go into the error if none succeeds.
 */
async function scrapeHost(lab: ReturnType<typeof withHaLab>, host: string): Promise<string> {
  let last = '';
  return await pollUntil(
    async () => {
      const t0 = monotonicMs();
      const { text } = await probe(lab.exporterUrl(), 'host', host);
      const errors = text.split('\n').filter((l) => l.startsWith('havoc_scrape_error{'));
      if (errors.length === 0) return text;
      last = errors.join(' ');
      console.log(`${host}: scrape failed after ${Math.round(monotonicMs() - t0)} ms: ${last}`);
      return undefined;
    },
    deadlineSignal(90_000, `a complete scrape of ${host}`),
    { initialMs: 500, maxMs: 2000 },
  ).catch((err: unknown) => {
    throw new Error(`${(err as Error).message}; last scrape errors: ${last}`);
  });
}

/** Scrapes every host between two crm_mon readings that agree, so a VM moving meanwhile cannot pass or fail it. */
async function scrapeAgainstPlacement(c: HaLabCase, lab: ReturnType<typeof withHaLab>) {
  const seen = await pollUntil(
    async () => {
      const before = await placement(lab.state()).catch(() => undefined);
      if (!before) return undefined;
      const scrapes = new Map<string, string>();
      for (const host of HOSTS) scrapes.set(host, await scrapeHost(lab, host));
      const after = await placement(lab.state()).catch(() => undefined);
      if (!after || JSON.stringify([...before]) !== JSON.stringify([...after])) return undefined;
      return { placed: after, scrapes };
    },
    deadlineSignal(150_000, `every ${c.agent} VM Started in crm_mon and scraped`),
    { initialMs: 500, maxMs: 2000 },
  );
  for (const host of HOSTS) {
    const text = seen.scrapes.get(host)!;
    expect(text, host).toContain('havoc_up{module="host"} 1');
    const expected = VMS.filter((vm) => seen.placed.get(vm) === host).sort();
    // A host without a QEMU has no QMP source to read (not listed); one that runs VMs must have read them.
    expect(text, host).not.toContain(`havoc_host_source_up{source="${c.hostSource}"} 0`);
    if (expected.length > 0) expect(text, host).toContain(`havoc_host_source_up{source="${c.hostSource}"} 1`);
    expect({ host, running: runningVms(text, c.source) }).toEqual({ host, running: expected });
    // Nowhere else: no series at all for a VM this host does not run.
    for (const vm of VMS.filter((v) => !expected.includes(v))) expect(text, host).not.toContain(`vm="${vm}"`);
  }
  // Both hosts together report each VM exactly once.
  const all = HOSTS.flatMap((h) => runningVms(seen.scrapes.get(h)!, c.source)).sort();
  expect(all).toEqual([...VMS].sort());
  return seen;
}

/** Live-migrates vm1 to the other host with crm_resource --move and waits until crm_mon has it there. */
async function moveVm1(lab: ReturnType<typeof withHaLab>): Promise<string> {
  const from = (await placement(lab.state())).get('vm1')!;
  const to = HOSTS.find((h) => h !== from)!;
  await crmIn(lab.state(), to, ['crm_resource', '--move', '--resource', 'vm1', '--node', to]);
  await waitForCluster(lab.state(), to, `vm1 on ${to}`, 120_000, (st) =>
    hostOf(st, 'vm1') === to ? true : undefined,
  );
  return to;
}

/** The lab of the case around the calling describe block, and the tests every VM agent must pass on it. */
function placementTests(c: HaLabCase): ReturnType<typeof withHaLab> {
  const lab = withHaLab(c);

  it('every VM is running on the host crm_mon places it on, and on no other host', async () => {
    await scrapeAgainstPlacement(c, lab);
  });

  it('after crm_resource --move live-migrates vm1, it is running on its new host only', async () => {
    const to = await moveVm1(lab);
    const seen = await scrapeAgainstPlacement(c, lab);
    expect(seen.placed.get('vm1')).toBe(to);
  }, 360_000);

  return lab;
}

describe('host module on the HA lab with ocf:havoc:qemu-vm VMs (real Pacemaker, QEMU with two -qmp sockets, QMP)', () => {
  const lab = placementTests({ agent: 'qemu-vm', lab: 'monitorq', source: 'qemu', hostSource: 'qmp' });

  it('a QEMU whose observer QMP socket another client holds is still read, over its other -qmp socket', async () => {
    const vm = VMS[0]!;
    const host = (await placement(lab.state())).get(vm)!;
    const init = hostInitPid(lab.state().hosts[host]!);
    if (init === undefined) throw new Error(`${host} is powered off`);
    // The host's /run is private to its mount namespace; /proc/<init>/root reaches into it.
    const observer = join(`/proc/${init}/root`, vmPaths(join(DEFAULT_STATE_ROOT, vm)).observerSocket);
    const holder = await QmpClient.connect(observer, { target: `${vm} observer` });
    try {
      const text = await scrapeHost(lab, host);
      expect(text).toContain('havoc_host_source_up{source="qmp"} 1');
      expect(runningVms(text, 'qemu')).toContain(vm);
    } finally {
      await holder.close();
    }
  });
});

describe('host module on the HA lab with ocf:heartbeat:VirtualDomain VMs (real Pacemaker, libvirtd, QEMU, virsh)', () => {
  placementTests({ agent: 'virtualdomain', lab: 'monitorv', source: 'libvirt', hostSource: 'libvirt' });
});
