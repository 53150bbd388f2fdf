import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deadlineSignal, monotonicMs, pollUntil } from '../../core/deadline.js';
import { Redactor } from '../../core/redact.js';
import { loadInventory } from '../../inventory/load.js';
import { BMC_ADMIN_USER } from '../../lab/bmc.js';
import { labDown } from '../../lab/down.js';
import { clusterHostDirs } from '../../lab/ha/cluster-host.js';
import { qemuPidFileInHost } from '../../lab/ha/vm-pidfile.js';
import { BMC_PORT } from '../../lab/inventory-writer.js';
import { labStateDir } from '../../lab/paths.js';
import { netnsInode } from '../../lab/process-identity.js';
import { type LabState, readLabState } from '../../lab/state.js';
import { labStatus } from '../../lab/status.js';
import { type LabTopology, labTopology } from '../../lab/topology.js';
import { type LabUpResult, labUp } from '../../lab/up.js';
import { fetchGuestStatus, summarizeProbes } from '../../lab/vm/guestProbe.js';
import { ipmitoolChassis } from '../lab/ipmitool-peer.js';
import { netnsNames, pidsInNetnsInode, pidsMentioning, rootLinkNames } from '../lab/lab-peers.js';
import { crmIn, hostOf, startProber, waitForCluster } from './ha-peers.js';

/*
 * One 3-host HA lab (corosync + Pacemaker + libvirtd on every host,
 * fence_ipmilan through each host's ipmi_sim, two QEMU VMs as
 * ocf:heartbeat:VirtualDomain resources: the lab's defaults) shared by every
 * test of this file, in order. Every peer is real: corosync, Pacemaker,
 * resource-agents' VirtualDomain, libvirtd, fence_ipmilan, ipmi_sim, QEMU,
 * the NBD server. (test/lab-ha/fence-havoc.integration.test.ts runs the
 * other VM agent, ocf:havoc:qemu-vm.) Timings are measured and printed,
 * never asserted.
 */

const LAB = 'ha1';
const env = process.env;
let up: LabUpResult;
let state: LabState;
let topo: LabTopology;
const measured: Record<string, string> = {};

const url = (vm: string) => `http://${state.ha!.vms.find((v) => v.name === vm)!.ip}/`;
const guest = (vm: string) => fetchGuestStatus(url(vm), { timeoutMs: 2000 });
const bmc = (host: string) => {
  const h = topo.hosts.find((x) => x.name === host)!;
  return {
    address: h.bmcAddress,
    port: BMC_PORT,
    user: BMC_ADMIN_USER,
    passwordFile: join(state.dir, 'secrets', `bmc-${host}-admin`),
  };
};
/** Any powered-on host other than `not`, to run Pacemaker's tools on. */
const otherHost = (not: string) => topo.hosts.map((h) => h.name).find((h) => h !== not)!;

beforeAll(async () => {
  const started = monotonicMs();
  up = await labUp({
    name: LAB,
    hosts: 3,
    volumes: 2,
    recreate: true,
    env,
    signal: AbortSignal.timeout(240_000),
    redactor: new Redactor(),
    progress: () => {},
    ha: { vms: 2, fenceAgent: 'fence_ipmilan', vmAgent: 'virtualdomain' },
  });
  measured['lab up --ha (3 hosts, 2 VMs)'] =
    `${((monotonicMs() - started) / 1000).toFixed(1)} s (cluster formed after ${((up.clusterMs ?? 0) / 1000).toFixed(1)} s of it)`;
  state = readLabState(labStateDir(LAB, env))!;
  topo = labTopology(LAB, state.hostCount, state.slot);
}, 300_000);

afterAll(async () => {
  console.log(
    `HA lab measurements:\n${Object.entries(measured)
      .map(([k, v]) => `  ${k}: ${v}`)
      .join('\n')}`,
  );
  await labDown({ name: LAB, env, signal: AbortSignal.timeout(60_000) });
}, 90_000);

describe('lab up --ha: Pacemaker + corosync + libvirtd on 3 lab hosts, 2 VirtualDomain VMs (real corosync, pacemaker, libvirtd, fence_ipmilan, ipmi_sim, qemu)', () => {
  it('forms a cluster with every node online, every stonith device and VM started, and lab status shows it', async () => {
    const s = await labStatus(LAB, env, AbortSignal.timeout(30_000));
    const c = s.cluster!;
    expect(c.error).toBeUndefined();
    expect(c.quorum).toBe(true);
    expect(c.nodes.map((n) => `${n.name}:${n.state}`).sort()).toEqual([
      'host1:online',
      'host2:online',
      'host3:online',
    ]);
    expect(c.stonith.map((d) => d.id).sort()).toEqual(['fence-host1', 'fence-host2', 'fence-host3']);
    for (const d of c.stonith) {
      expect(d.role).toBe('Started');
      expect(d.agent).toBe('stonith:fence_ipmilan');
      // A device never runs on the node it fences.
      expect(`fence-${d.node}`).not.toBe(d.id);
    }
    expect(c.vms.map((v) => `${v.name}:${v.state}:${v.agent}`)).toEqual([
      'vm1:Started:ocf:heartbeat:VirtualDomain',
      'vm2:Started:ocf:heartbeat:VirtualDomain',
    ]);
    // Each VM is a domain of the libvirtd on the node Pacemaker placed it on.
    for (const v of c.vms) {
      const list = await crmIn(state, v.host!, ['virsh', '--connect', 'qemu:///system', 'list', '--name']);
      expect(list.split('\n')).toContain(v.name);
    }
  });

  it("answers every VM's HTTP service from the management station, and the inventory lists the VMs", async () => {
    for (const vm of ['vm1', 'vm2']) {
      const st = await guest(vm);
      expect(st.bootId).toMatch(/^[0-9a-f-]{36}$/);
    }
    const inv = loadInventory(up.inventory, new Redactor()).inventory;
    expect(inv.haManager).toEqual({
      type: 'pacemaker',
      via: ['host1', 'host2', 'host3'],
      heartbeatNetworks: ['heartbeat', 'management'],
    });
    expect(inv.vms.map((v) => [v.name, v.homeHost, v.haPriority, v.storage, v.probe?.type])).toEqual([
      ['vm1', 'host1', 'restart', 'storage1', 'http'],
      ['vm2', 'host2', 'restart', 'storage1', 'http'],
    ]);
  });

  it('crm_resource --move live-migrates vm1 (VirtualDomain migrate_to, libvirt to libvirt): the boot id stays, the disk counter never goes back', async () => {
    const before = await waitForCluster(state, 'host1', 'vm1 placed', 30_000, (st) => hostOf(st, 'vm1'));
    const target = topo.hosts.map((h) => h.name).find((h) => h !== before)!;
    const bootBefore = (await guest('vm1')).bootId;
    const prober = startProber(url('vm1'), 20);
    const t0 = monotonicMs();
    await crmIn(state, otherHost(before), ['crm_resource', '--move', '--resource', 'vm1', '--node', target]);
    await waitForCluster(state, otherHost(before), `vm1 on ${target}`, 90_000, (st) =>
      hostOf(st, 'vm1') === target ? true : undefined,
    );
    const movedMs = monotonicMs() - t0;
    // Keep probing a little after Pacemaker reports it, so a late outage would show.
    await pollUntil(
      async () =>
        prober.samples.filter((s) => s.ok && s.atMs > t0 + movedMs).length >= 50 ? true : undefined,
      deadlineSignal(30_000, 'probes after the migration'),
      { initialMs: 50, maxMs: 200 },
    );
    const summary = summarizeProbes(await prober.stop());
    await crmIn(state, target, ['crm_resource', '--clear', '--resource', 'vm1']);
    // The move was a migration (migrate_to on the source), not a stop and a start.
    const sourceLog = readFileSync(
      join(clusterHostDirs(state.hosts[before]!.dir).logPacemaker, 'pacemaker.log'),
      'utf8',
    );
    expect(sourceLog).toMatch(new RegExp(`vm1: live migration to ${target}-migr succeeded`));
    measured['live migration (crm_resource --move)'] =
      `longest HTTP outage ${Math.round(summary.longestGapMs)} ms (probe every 20 ms, ${summary.failures}/${summary.samples} failed), move done in ${(movedMs / 1000).toFixed(1)} s`;
    expect(summary.bootIds).toEqual([bootBefore]);
    expect(summary.counterDecreases).toEqual([]);
    expect(summary.lastCounter!).toBeGreaterThan(summary.firstCounter!);
    expect((await guest('vm1')).bootId).toBe(bootBefore);
  }, 150_000);

  it('powering a VM host off through its BMC: Pacemaker fences it, restarts its VM on a survivor, the counter continues; powering it on makes it rejoin', async () => {
    const victim = await waitForCluster(state, 'host1', 'vm1 placed', 30_000, (st) => hostOf(st, 'vm1'));
    const watcher = otherHost(victim);
    const last = await guest('vm1');
    const prober = startProber(url('vm1'), 100, 1000);
    const answers = (bootId: string) =>
      prober.samples.filter((s) => s.ok && s.status.bootId === bootId).length;
    // The history must start with the old guest answering, or "old, then new" could not be judged.
    await pollUntil(
      async () => (answers(last.bootId) > 0 ? true : undefined),
      deadlineSignal(10_000, 'the prober seeing vm1 before the power-off'),
      { initialMs: 50, maxMs: 100 },
    );
    const t0 = monotonicMs();
    const off = await ipmitoolChassis(bmc(victim), ['power', 'off'], AbortSignal.timeout(20_000));
    expect(off.ok, off.output).toBe(true);

    const fenced = await waitForCluster(
      state,
      watcher,
      `fence of ${victim} in the stonith history`,
      90_000,
      (st) => st.fenceHistory?.find((e) => e.target === victim && e.status === 'success'),
    );
    const fenceMs = monotonicMs() - t0;
    expect(fenced.action).toBe('off');
    const history = await crmIn(state, watcher, ['stonith_admin', '--history', victim]);
    expect(history).toMatch(new RegExp(`turning off of ${victim} .*successful`));

    const restarted = await pollUntil(
      async () => {
        const st = await fetchGuestStatus(url('vm1'), { timeoutMs: 1000 }).catch(() => undefined);
        return st && st.bootId !== last.bootId ? st : undefined;
      },
      deadlineSignal(90_000, 'vm1 answering with a new boot id'),
      { initialMs: 100, maxMs: 100 },
    );
    const restartMs = monotonicMs() - t0;
    // Keep probing the restarted guest a while: a second copy still answering would show as the old boot id again.
    await pollUntil(
      async () => (answers(restarted.bootId) >= 20 ? true : undefined),
      deadlineSignal(30_000, 'the prober seeing the restarted vm1'),
      { initialMs: 100, maxMs: 250 },
    );
    const summary = summarizeProbes(await prober.stop());
    const newHost = await waitForCluster(state, watcher, 'vm1 started', 30_000, (st) => hostOf(st, 'vm1'));
    measured['host power-off -> fence (stonith history success)'] = `${(fenceMs / 1000).toFixed(1)} s`;
    measured['host power-off -> VM answers with a new boot id'] = `${(restartMs / 1000).toFixed(1)} s`;
    expect(newHost).not.toBe(victim);
    // Exactly two guests in the order they answered, the old one, then the new one, and never the old one
    // again: answers alternating between two boot ids would be the VM running twice.
    expect(summary.bootIds).toEqual([last.bootId, restarted.bootId]);
    expect(summary.counterDecreases).toEqual([]);
    // The restarted guest continues from the value on the shared disk: nothing it acknowledged was lost.
    expect(restarted.counter).toBeGreaterThan(last.counter);

    const on = await ipmitoolChassis(bmc(victim), ['power', 'on'], AbortSignal.timeout(20_000));
    expect(on.ok, on.output).toBe(true);
    const t1 = monotonicMs();
    await waitForCluster(state, watcher, `${victim} rejoining`, 90_000, (st) =>
      st.nodes.find((n) => n.name === victim)?.online ? true : undefined,
    );
    measured['host power-on -> rejoined the cluster'] = `${((monotonicMs() - t1) / 1000).toFixed(1)} s`;
  }, 240_000);

  it("SIGKILL of a VM's QEMU: Pacemaker's monitor sees it and restarts the VM", async () => {
    const host = await waitForCluster(state, 'host1', 'vm2 placed', 60_000, (st) => hostOf(st, 'vm2'));
    // vm2 may still be booting: it was restarted too if the previous test fenced its host.
    const before = await pollUntil(
      () => guest('vm2').catch(() => undefined),
      deadlineSignal(60_000, 'vm2 answering before the kill'),
      { initialMs: 100, maxMs: 500 },
    );
    const t0 = monotonicMs();
    // Inside the host, as an operator's kill -9 there would be; the pidfile is on the host's private /run.
    const pidFile = qemuPidFileInHost('virtualdomain', 'vm2');
    await crmIn(state, host, ['sh', '-c', `kill -KILL "$(cat ${pidFile})"`]);
    const after = await pollUntil(
      async () => {
        const st = await fetchGuestStatus(url('vm2'), { timeoutMs: 1000 }).catch(() => undefined);
        return st && st.bootId !== before.bootId ? st : undefined;
      },
      deadlineSignal(90_000, 'vm2 answering with a new boot id'),
      { initialMs: 100, maxMs: 250 },
    );
    measured['QEMU SIGKILL -> VM answers again'] = `${((monotonicMs() - t0) / 1000).toFixed(1)} s`;
    expect(after.counter).toBeGreaterThan(before.counter);
    const failCount = await waitForCluster(state, host, 'vm2 fail-count', 30_000, (st) =>
      hostOf(st, 'vm2') ? st.failCounts.find((f) => f.resource === 'vm2' && f.failCount > 0) : undefined,
    );
    expect(failCount.node).toBe(host);
  }, 150_000);

  it('lab down leaves no namespace, link, QEMU or cluster daemon behind', async () => {
    const inodes = state.namespaces.map((ns) => netnsInode(ns)!);
    const t0 = monotonicMs();
    const r = await labDown({ name: LAB, env, signal: AbortSignal.timeout(60_000) });
    measured['lab down'] = `${((monotonicMs() - t0) / 1000).toFixed(1)} s`;
    expect(r.existed).toBe(true);
    expect((await netnsNames()).filter((n) => n.startsWith(`${LAB}-`))).toEqual([]);
    expect((await rootLinkNames()).filter((n) => n.startsWith(`${LAB}-`))).toEqual([]);
    for (const inode of inodes) expect(pidsInNetnsInode(inode)).toEqual([]);
    // Every QEMU and cluster daemon of the lab named a path under its state directory or ran in its namespaces.
    expect(pidsMentioning(state.dir)).toEqual([]);
    expect(readLabState(state.dir)).toBeUndefined();
  }, 90_000);
});
