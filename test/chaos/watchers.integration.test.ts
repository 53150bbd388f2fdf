import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  openTimeline,
  readTimeline,
  type Timeline,
  type TimelineRecord,
} from '../../chaos/timeline/index.js';
import { startWatchers } from '../../chaos/watchers/index.js';
import type { RunningWatcher } from '../../chaos/watchers/watcher.js';
import { deadlineSignal, pollUntil } from '../../core/deadline.js';
import { type LabState, readLabState } from '../../lab/state.js';
import { SshPool } from '../../protocols/ssh/index.js';
import { bmcLoginOf, ipmitoolChassis } from '../lab/ipmitool-peer.js';
import { crmIn, hostOf, waitForCluster } from '../lab-ha/ha-peers.js';
import { startTestLab, type TestLab } from '../support/lab-fixture.js';
import { tempDir } from '../support/temp-dir.js';

/*
 * The watchers on the HA lab (3 hosts, 2 VirtualDomain VMs; real corosync,
 * Pacemaker, libvirtd, fence_ipmilan, ipmi_sim, QEMU). The actors are
 * independent of the watchers: ipmitool powers a host off through its BMC,
 * Pacemaker's own tools (run inside a host's namespaces, not over the
 * watchers' SSH) move a VM. Everything is read back from the timeline file.
 * Timings are recorded and printed, never asserted.
 */

const LAB = 'wa1';
let lab: TestLab;
let state: LabState;
let timeline: Timeline;
let ssh: SshPool;
let watchers: RunningWatcher | undefined;
/** A host this file powered off and has not powered on yet: the next test must not start with it off. */
let poweredOff: string | undefined;
const measured: Record<string, string> = {};

interface Line {
  line: number;
  record: Extract<TimelineRecord, { kind: 'watch' }>;
}

function watchLines(): Line[] {
  timeline.flush();
  return readTimeline(timeline.path).records.flatMap((record, i) =>
    record.kind === 'watch' ? [{ line: i + 1, record }] : [],
  );
}

/** The first watch record after line `after` that `match` accepts, waiting for it to be written. */
async function recordOf(what: string, match: (r: Line['record']) => boolean, after = 0, ms = 120_000) {
  try {
    return await pollUntil(
      async () => watchLines().find((l) => l.line > after && match(l.record)),
      deadlineSignal(ms, what),
      { initialMs: 100, maxMs: 250 },
    );
  } catch (err) {
    const tail = watchLines()
      .slice(-15)
      .map(
        (l) =>
          `${l.line} ${l.record.watcher}/${l.record.event} ${l.record.subject} ${JSON.stringify(l.record.fields)}`,
      );
    throw new Error(`${(err as Error).message}; last records:\n${tail.join('\n')}`);
  }
}

const f = (r: Line['record']) => (r.fields ?? {}) as Record<string, unknown>;
const ms = (fromNs: bigint, toNs: bigint | string) => Number(BigInt(toNs) - fromNs) / 1e6;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const host = (name: string) => lab.loaded.inventory.hosts.find((h) => h.name === name)!;
const others = (not: string) => lab.loaded.inventory.hosts.map((h) => h.name).filter((h) => h !== not);

beforeAll(async () => {
  lab = await startTestLab(LAB, {
    hosts: 3,
    volumes: 2,
    ha: { vms: 2, fenceAgent: 'fence_ipmilan', vmAgent: 'virtualdomain' },
    timeoutMs: 240_000,
  });
  state = readLabState(lab.stateDir)!;
  timeline = openTimeline(join(tempDir('havoc-watchers-'), 'timeline.jsonl'), { exclusive: true });
  ssh = new SshPool();
  watchers = startWatchers({
    inventory: lab.loaded.inventory,
    loaded: lab.loaded,
    ssh,
    log: pino({ level: 'warn' }),
    timeline,
  });
}, 300_000);

afterAll(async () => {
  console.log(
    `watchers on the HA lab:\n${Object.entries(measured)
      .map(([k, v]) => `  ${k}: ${v}`)
      .join('\n')}`,
  );
  try {
    await watchers?.stop();
  } finally {
    ssh?.close();
    timeline?.close();
    await lab?.down();
  }
}, 120_000);

afterEach(async () => {
  if (!poweredOff) return;
  const h = poweredOff;
  poweredOff = undefined;
  await ipmitoolChassis(bmcLoginOf(host(h)), ['power', 'on'], AbortSignal.timeout(20_000));
  await waitForCluster(state, others(h)[0]!, `${h} rejoining`, 120_000, (st) =>
    st.nodes.find((n) => n.name === h)?.online ? true : undefined,
  ).catch(() => undefined);
}, 180_000);

describe('watchers on the HA lab (real corosync, Pacemaker, libvirtd, fence_ipmilan, ipmi_sim, QEMU)', () => {
  it('writes a first observation of every node and VM: the cluster reachable, every node online, each VM on one host', async () => {
    await recordOf(
      'vm2 placed',
      (r) => r.subject === 'vm:vm2' && r.event === 'placement' && r.watcher === 'pacemaker',
    );
    const lines = watchLines().filter((l) => l.record.watcher === 'pacemaker');
    expect(lines[0]?.record).toMatchObject({
      subject: 'cluster',
      event: 'reachability',
      fields: { reachable: true },
    });
    const nodes = lines.filter((l) => l.record.event === 'node');
    expect(
      nodes.map((l) => `${l.record.subject}:${f(l.record).online}:${f(l.record).unclean}`).sort(),
    ).toEqual(['node:host1:true:false', 'node:host2:true:false', 'node:host3:true:false']);
    const crm = await waitForCluster(state, 'host1', 'both VMs placed', 30_000, (st) =>
      hostOf(st, 'vm1') && hostOf(st, 'vm2') ? st : undefined,
    );
    for (const vm of ['vm1', 'vm2']) {
      const placed = lines.filter((l) => l.record.subject === `vm:${vm}` && l.record.event === 'placement');
      expect(f(placed.at(-1)!.record)).toMatchObject({
        hosts: [hostOf(crm, vm)],
        role: 'Started',
        failed: false,
      });
      const lv = await recordOf(
        `libvirt placement of ${vm}`,
        (r) => r.watcher === 'libvirt' && r.subject === `vm:${vm}` && r.event === 'placement',
      );
      expect(f(lv.record)).toMatchObject({ hosts: [hostOf(crm, vm)], role: 'running', failed: false });
    }
    const reach = await recordOf(
      'libvirt reachability',
      (r) => r.watcher === 'libvirt' && r.event === 'reachability',
    );
    expect(f(reach.record)).toEqual({ reachable: true });
  });

  it('sees a node attribute change within one read: maintenance on and off, five times (lag recorded)', async () => {
    const lags: number[] = [];
    for (let i = 0; i < 5; i++) {
      for (const on of [true, false]) {
        const before = watchLines().at(-1)?.line ?? 0;
        await crmIn(state, 'host1', [
          'crm_attribute',
          '--node',
          'host3',
          '--name',
          'maintenance',
          '--update',
          String(on),
        ]);
        const set = process.hrtime.bigint();
        const seen = await recordOf(
          `host3 maintenance ${on}`,
          (r) => r.subject === 'node:host3' && r.event === 'node' && f(r).maintenance === on,
          before,
          30_000,
        );
        lags.push(ms(set, seen.record.ns));
      }
    }
    await crmIn(state, 'host1', ['crm_attribute', '--node', 'host3', '--name', 'maintenance', '--delete']);
    measured['crm_attribute returned -> pacemaker/node record (10 changes)'] =
      `median ${median(lags).toFixed(0)} ms, max ${Math.max(...lags).toFixed(0)} ms`;
    expect(lags).toHaveLength(10);
  }, 120_000);

  it('costs little CPU in this process: one minute of watching a steady cluster (recorded)', async () => {
    const before = watchLines().length;
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    await new Promise((r) => setTimeout(r, 60_000));
    const cpu = process.cpuUsage(cpu0);
    const wallMs = ms(t0, process.hrtime.bigint());
    measured['watcher process CPU over 60 s of a steady cluster'] =
      `${(((cpu.user + cpu.system) / 1000 / wallMs) * 100).toFixed(2)} % of one core (user ${(cpu.user / 1000).toFixed(0)} ms, system ${(cpu.system / 1000).toFixed(0)} ms)`;
    // A steady cluster is no change: nothing new was written.
    expect(watchLines().length).toBe(before);
  }, 90_000);

  it('a host powered off through its BMC (ipmitool): the node seen lost, then fenced with success, then its VM placed on another host', async () => {
    const victim = await waitForCluster(state, 'host1', 'vm1 placed', 30_000, (st) => hostOf(st, 'vm1'));
    const start = watchLines().at(-1)?.line ?? 0;
    const off = await ipmitoolChassis(
      bmcLoginOf(host(victim)),
      ['power', 'off'],
      AbortSignal.timeout(20_000),
    );
    expect(off.ok, off.output).toBe(true);
    poweredOff = victim;
    const t0 = process.hrtime.bigint();
    const lost = await recordOf(
      `${victim} lost`,
      (r) =>
        r.watcher === 'pacemaker' &&
        r.subject === `node:${victim}` &&
        (f(r).online === false || f(r).unclean === true),
      start,
    );
    const fenced = await recordOf(
      `fence of ${victim}`,
      (r) => r.subject === `fence:${victim}` && r.event === 'fence' && f(r).status === 'success',
      start,
    );
    const placed = await recordOf(
      'vm1 placed on a survivor',
      (r) =>
        r.watcher === 'pacemaker' &&
        r.subject === 'vm:vm1' &&
        r.event === 'placement' &&
        (f(r).hosts as string[]).length === 1 &&
        (f(r).hosts as string[])[0] !== victim,
      start,
    );
    expect(lost.line).toBeLessThan(fenced.line);
    expect(fenced.line).toBeLessThan(placed.line);
    expect(f(fenced.record)).toMatchObject({ target: victim, action: 'off' });
    expect(others(victim)).toContain((f(placed.record).hosts as string[])[0]);
    measured['BMC power-off -> node lost / fence success / vm1 placed (records)'] =
      `${(ms(t0, lost.record.ns) / 1000).toFixed(1)} s / ${(ms(t0, fenced.record.ns) / 1000).toFixed(1)} s / ${(ms(t0, placed.record.ns) / 1000).toFixed(1)} s`;

    const on = await ipmitoolChassis(bmcLoginOf(host(victim)), ['power', 'on'], AbortSignal.timeout(20_000));
    expect(on.ok, on.output).toBe(true);
    poweredOff = undefined;
    const t1 = process.hrtime.bigint();
    const back = await recordOf(
      `${victim} online again`,
      (r) =>
        r.watcher === 'pacemaker' &&
        r.subject === `node:${victim}` &&
        f(r).online === true &&
        f(r).unclean === false,
      placed.line,
    );
    measured['BMC power-on -> node online record'] = `${(ms(t1, back.record.ns) / 1000).toFixed(1)} s`;

    // libvirt: the victim's stream ended (unreachable, naming it), and the watch found the host again after power-on.
    const libvirtLost = watchLines().find(
      (l) =>
        l.line > start &&
        l.record.watcher === 'libvirt' &&
        l.record.event === 'reachability' &&
        f(l.record).reachable === false,
    );
    expect(String(libvirtLost && f(libvirtLost.record).error)).toContain(`${victim}: `);
    const libvirtBack = await recordOf(
      `libvirt reading ${victim} again`,
      (r) => r.watcher === 'libvirt' && r.event === 'reachability' && f(r).reachable === true,
      libvirtLost!.line,
    );
    measured['BMC power-on -> libvirt watch reconnected'] =
      `${(ms(t1, libvirtBack.record.ns) / 1000).toFixed(1)} s`;
    // The VM restarted by Pacemaker is on the survivor per libvirt too, and nowhere else.
    const lvPlaced = watchLines().findLast(
      (l) =>
        l.record.watcher === 'libvirt' && l.record.subject === 'vm:vm1' && l.record.event === 'placement',
    );
    expect(f(lvPlaced!.record).hosts).toEqual(f(placed.record).hosts);
  }, 300_000);

  it('crm_resource --move of a VM: libvirt sees it started (migrated) on the target and stopped (migrated) on the source, and both placements change to the target', async () => {
    const source = await waitForCluster(state, 'host2', 'vm2 placed', 60_000, (st) => hostOf(st, 'vm2'));
    const target = others(source)[0]!;
    const start = watchLines().at(-1)?.line ?? 0;
    const t0 = process.hrtime.bigint();
    await crmIn(state, target, ['crm_resource', '--move', '--resource', 'vm2', '--node', target]);
    try {
      const placed = await recordOf(
        `vm2 placed on ${target}`,
        (r) =>
          r.watcher === 'pacemaker' &&
          r.subject === 'vm:vm2' &&
          r.event === 'placement' &&
          JSON.stringify(f(r).hosts) === JSON.stringify([target]),
        start,
      );
      measured['crm_resource --move -> pacemaker/placement on the target'] =
        `${(ms(t0, placed.record.ns) / 1000).toFixed(1)} s`;
      // libvirt saw the live migration from both ends: started (migrated) on the target, stopped (migrated) on the source.
      const life = (host: string, event: string) =>
        recordOf(
          `libvirt ${event} of vm2 on ${host}`,
          (r) =>
            r.watcher === 'libvirt' &&
            r.event === 'lifecycle' &&
            r.subject === 'vm:vm2' &&
            f(r).host === host &&
            f(r).event === event,
          start,
          30_000,
        );
      const started = await life(target, 'Started');
      const stopped = await life(source, 'Stopped');
      expect(f(started.record).detail).toBe('Migrated');
      expect(f(stopped.record).detail).toBe('Migrated');
      const lvPlaced = await recordOf(
        `libvirt placement of vm2 on ${target} only`,
        (r) =>
          r.watcher === 'libvirt' &&
          r.subject === 'vm:vm2' &&
          r.event === 'placement' &&
          JSON.stringify(f(r).hosts) === JSON.stringify([target]),
        start,
        30_000,
      );
      // The target runs the guest once it resumed there (the incoming domain starts paused).
      expect(lvPlaced.line).toBeGreaterThan(started.line);
      // libvirt's own timestamp (UTC, ms) against this station's wall clock when the line arrived: one machine here.
      const lags = [started, stopped].map(
        (l) =>
          Date.parse(l.record.wall) -
          Date.parse(String(f(l.record).at).replace(' ', 'T').replace('+0000', 'Z')),
      );
      measured[
        'libvirt event timestamp -> lifecycle record (wall clocks; Started on target, Stopped on source)'
      ] = lags.map((x) => `${x} ms`).join(', ');
      measured['crm_resource --move -> libvirt Stopped on the source'] =
        `${(ms(t0, stopped.record.ns) / 1000).toFixed(1)} s`;
    } finally {
      await crmIn(state, target, ['crm_resource', '--clear', '--resource', 'vm2']);
    }
  }, 150_000);
});
