import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InjectReport } from '../../chaos/inject.js';
import { readLedger } from '../../chaos/ledger/reader.js';
import { QEMU_VM_STATE_ROOT } from '../../chaos/qemu-vm-paths.js';
import {
  openTimeline,
  readTimeline,
  type Timeline,
  type TimelineRecord,
} from '../../chaos/timeline/index.js';
import { startWatchers } from '../../chaos/watchers/index.js';
import type { RunningWatcher } from '../../chaos/watchers/watcher.js';
import { deadlineSignal, monotonicMs, pollUntil } from '../../core/deadline.js';
import { COLLECTORS } from '../../exporters/collectors/index.js';
import { type RunningExporter, startExporter } from '../../exporters/server.js';
import { hostInitPid } from '../../lab/boot-services.js';
import { labStateDir } from '../../lab/paths.js';
import { type LabState, readLabState } from '../../lab/state.js';
import { probeOnce } from '../../lab/vm/guestProbe.js';
import { vmPaths } from '../../lab/vm/vmSpec.js';
import { QmpClient } from '../../protocols/qmp/client.js';
import { SshPool } from '../../protocols/ssh/index.js';
import { probe } from '../exporters/exporter-lab.js';
import { crmIn, crmMon, hostOf, waitForCluster } from '../lab-ha/ha-peers.js';
import { startTestLab, type TestLab } from '../support/lab-fixture.js';
import { tempDir } from '../support/temp-dir.js';
import { havocChild, spawnHavoc } from './chaos-cli.js';

/*
 * The QMP watcher on the HA lab with ocf:havoc:qemu-vm (2 hosts, 1 VM; real
 * corosync, Pacemaker, QEMU with two -qmp sockets, sshd). Started as every
 * run starts its watchers (startWatchers: pacemaker, libvirt, qmp). The
 * actors are independent of the watcher: `havoc chaos inject` in a child
 * process (Pacemaker crm_resource --move; storage-loss's nftables), and
 * the exporter's host module and crm_mon (inside a host's namespaces) say
 * whether holding the observer socket starved anyone. Timings and
 * downtimes are printed, never bounded; the watcher's downtime is compared
 * with the action's (both are QEMU's one computation, read at two moments).
 */

const LAB = 'qm1';
const VM = 'vm1';
let lab: TestLab;
let state: LabState;
let timeline: Timeline;
let ssh: SshPool;
let watchers: RunningWatcher | undefined;
let scratch: string;
const measured: string[] = [];

type Watch = Extract<TimelineRecord, { kind: 'watch' }>;
interface Line {
  line: number;
  record: Watch;
}

function qmpLines(): Line[] {
  timeline.flush();
  return readTimeline(timeline.path).records.flatMap((record, i) =>
    record.kind === 'watch' && record.watcher === 'qmp' ? [{ line: i + 1, record }] : [],
  );
}

/** CPU time of this process (the watchers run in it, beside the test's own polling) since `from`, ms. */
const cpuMs = (from: NodeJS.CpuUsage) => {
  const d = process.cpuUsage(from);
  return Math.round((d.user + d.system) / 1000);
};

const f = (r: Watch) => (r.fields ?? {}) as Record<string, unknown>;
const text = (l: Line) =>
  `${l.line} ${l.record.event} ${l.record.subject} ${JSON.stringify(l.record.fields)}`;

async function recordOf(what: string, match: (r: Watch) => boolean, after = 0, ms = 120_000) {
  try {
    return await pollUntil(
      async () => qmpLines().find((l) => l.line > after && match(l.record)),
      deadlineSignal(ms, what),
      { initialMs: 100, maxMs: 250 },
    );
  } catch (err) {
    throw new Error(
      `${(err as Error).message}; last qmp records:\n${qmpLines().slice(-15).map(text).join('\n')}`,
    );
  }
}

const lifecycle = (host: string, event: string, detail?: string) => (r: Watch) =>
  r.event === 'lifecycle' &&
  f(r)['host'] === host &&
  f(r)['event'] === event &&
  (detail === undefined || f(r)['detail'] === detail);

async function placedOn(host: string, after = 0) {
  return recordOf(
    `qmp placement of ${VM} on ${host} only`,
    (r) => r.event === 'placement' && JSON.stringify(f(r)['hosts']) === JSON.stringify([host]),
    after,
  );
}

async function vmHost(): Promise<string> {
  const st = await waitForCluster(state, 'host1', `${VM} Started`, 180_000, (s) => {
    const r = s.resources.find((x) => x.id === VM);
    return hostOf(s, VM) && !r?.failed ? s : undefined;
  });
  return hostOf(st, VM)!;
}

beforeAll(async () => {
  lab = await startTestLab(LAB, {
    hosts: 2,
    volumes: 1,
    ha: { vms: 1, fenceAgent: 'fence_ipmilan', vmAgent: 'qemu-vm' },
    timeoutMs: 300_000,
  });
  state = readLabState(labStateDir(LAB))!;
  scratch = tempDir('havoc-qmp-watch-');
  timeline = openTimeline(join(scratch, 'timeline.jsonl'));
  ssh = new SshPool();
  await vmHost();
  watchers = startWatchers({
    inventory: lab.loaded.inventory,
    loaded: lab.loaded,
    ssh,
    log: pino({ level: 'silent' }),
    timeline,
  });
}, 360_000);

afterAll(async () => {
  console.log(`QMP watcher on the qemu-vm lab, measured:\n  ${measured.join('\n  ')}`);
  await watchers?.stop();
  ssh?.close();
  timeline?.close();
  await lab?.down();
}, 120_000);

describe('the QMP watcher on the HA lab with ocf:havoc:qemu-vm (real Pacemaker, QEMU, sshd streamlocal)', () => {
  it("records vm1's run state on connect; the exporter's host module still reads it and Pacemaker's monitor still passes", async () => {
    const host = await vmHost();
    const t0 = monotonicMs();
    await recordOf('query-status running on connect', lifecycle(host, 'query-status', 'running'));
    await placedOn(host);
    measured.push(`first qmp record ${Math.round(monotonicMs() - t0)} ms after the watchers started waiting`);
    const exporter: RunningExporter = await startExporter({
      loaded: lab.loaded,
      collectors: COLLECTORS,
      listen: { host: '127.0.0.1', port: 0 },
      log: pino({ level: 'silent' }),
    });
    try {
      const scrape = await pollUntil(
        async () => {
          const { text: t } = await probe(exporter.url, 'host', host);
          return t.includes('havoc_scrape_error{') ? undefined : t;
        },
        deadlineSignal(90_000, `a complete scrape of ${host}`),
        { initialMs: 500, maxMs: 2_000 },
      );
      expect(scrape).toContain('havoc_host_source_up{source="qmp"} 1');
      expect(scrape).toMatch(
        new RegExp(`^havoc_vm_state\\{vm="${VM}",source="qemu",state="running"\\} 1$`, 'm'),
      );
    } finally {
      await exporter.close();
    }
    // The agent's monitor (every 5 s, on the other socket) ran at least twice while the watcher held its socket.
    await new Promise((r) => setTimeout(r, 12_000));
    const st = await crmMon(state, host);
    const r = st.resources.find((x) => x.id === VM);
    expect({ host: hostOf(st, VM), failed: r?.failed }).toEqual({ host, failed: false });
    expect(
      st.failures.filter((x) => x.opKey.startsWith(`${VM}_`)).map((x) => `${x.opKey} ${x.exitReason}`),
    ).toEqual([]);
    // Still the same QEMU watched: no reconnect happened (a starved or refused socket would show one).
    const connects = qmpLines().filter(
      (l) => lifecycle(host, 'query-status')(l.record) && f(l.record)['after'] === 'connect',
    );
    expect(connects).toHaveLength(1);
  }, 240_000);

  it("sees a live migration (MIGRATION statuses, STOP and QEMU's computed downtime on the source; on the target every status seen or named missed), records in the order seen", async () => {
    const from = await vmHost();
    const to = ['host1', 'host2'].find((n) => n !== from)!;
    const mark = qmpLines().at(-1)?.line ?? 0;
    const cpuAtStart = process.cpuUsage();
    const prober = spawnHavoc([
      '--json',
      '-i',
      lab.inventory,
      'probe',
      VM,
      '--interval',
      '50ms',
      '--realtime',
    ]);
    await new Promise((r) => setTimeout(r, 1_000));
    const r = await havocChild([
      '--json',
      '-i',
      lab.inventory,
      'chaos',
      'inject',
      'live-migrate',
      '-p',
      `vm=${VM}`,
      '--for',
      '1s',
      '--ledger',
      join(scratch, 'ledger-migrate'),
    ]);
    await new Promise((res) => setTimeout(res, 1_000));
    prober.kill('SIGINT');
    const probeRun = await prober.done;
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as InjectReport;
    const detail = report.actionDetail as Record<string, unknown>;
    expect(detail['to']).toBe(to);

    const setup = await recordOf(
      'MIGRATION setup on the source',
      lifecycle(from, 'MIGRATION', 'setup'),
      mark,
    );
    const active = await recordOf(
      'MIGRATION active on the source',
      lifecycle(from, 'MIGRATION', 'active'),
      mark,
    );
    const stop = await recordOf('STOP on the source', lifecycle(from, 'STOP'), mark);
    const done = await recordOf(
      'MIGRATION completed on the source',
      lifecycle(from, 'MIGRATION', 'completed'),
      mark,
    );
    const downtime = await recordOf(
      "the source's query-migrate after MIGRATION completed",
      (x) => lifecycle(from, 'query-migrate')(x) && f(x)['after'] === 'MIGRATION completed',
      mark,
    );
    // Guaranteed on the target: its watch's connect record (the RESUME only if the watch connected before it).
    await recordOf(
      "the target QEMU's connect record",
      (x) => lifecycle(to, 'query-status')(x) && f(x)['after'] === 'connect',
      mark,
    );
    expect(setup.line).toBeLessThan(active.line);
    expect(active.line).toBeLessThan(done.line);
    expect(stop.line).toBeLessThan(done.line);
    expect(done.line).toBeLessThan(downtime.line);
    await placedOn(to, mark);
    // Several scans later (one a second) the VM is still placed on the target: nothing lost its QEMU meanwhile.
    await new Promise((res) => setTimeout(res, 3_000));
    const lastPlacement = qmpLines()
      .filter((l) => l.record.event === 'placement')
      .at(-1)!;
    // The source QEMU quit (Pacemaker's stop): its watch ended with its connection, so the target's is the only one.
    expect({
      line: lastPlacement.line,
      hosts: f(lastPlacement.record)['hosts'],
      role: f(lastPlacement.record)['role'],
    }).toEqual({ line: lastPlacement.line, hosts: [to], role: 'running' });

    // Every record is written when its line is read: the timeline's order is the order they were seen in.
    const all = qmpLines();
    const inversions = all.filter((l, i) => i > 0 && BigInt(l.record.ns) < BigInt(all[i - 1]!.record.ns));
    expect(inversions.map(text)).toEqual([]);

    // The target: every MIGRATION status and its RESUME either seen, or named as missed by its connect record.
    const targetLife = all.filter(
      (l) => l.line > mark && l.record.event === 'lifecycle' && f(l.record)['host'] === to,
    );
    const targetConnect = targetLife.find((l) => f(l.record)['after'] === 'connect');
    expect(targetConnect, targetLife.map(text).join('\n')).toBeDefined();
    const missed = (f(targetConnect!.record)['missed'] as string[] | undefined) ?? [];
    const seenOnTarget = targetLife
      .filter(
        (l) =>
          l.line !== targetConnect!.line && ['MIGRATION', 'RESUME'].includes(String(f(l.record)['event'])),
      )
      .map((l) => `${f(l.record)['event']}${f(l.record)['detail'] ? ` ${f(l.record)['detail']}` : ''}`);
    expect([...new Set([...missed, ...seenOnTarget])].sort()).toEqual([
      'MIGRATION active',
      'MIGRATION completed',
      'MIGRATION setup',
      'RESUME',
    ]);
    expect(missed.filter((m) => seenOnTarget.includes(m))).toEqual([]);

    // The action's done record: QEMU's own downtime, kept by the agent's stop of the source.
    expect(String(detail['downtimeSource'])).toMatch(/^QEMU query-migrate on /);
    expect(typeof detail['downtimeMs']).toBe('number');
    const actionDone = readTimeline(report.timeline).records.find(
      (x) => x.kind === 'action' && x.id === report.fault && x.phase === 'done',
    ) as Extract<TimelineRecord, { kind: 'action' }> | undefined;
    expect(actionDone?.detail?.['downtimeMs']).toBe(detail['downtimeMs']);
    // The watcher's figures are QEMU's one computation, as the agent's stop read it later: the same numbers.
    const watcherDowntime = f(downtime.record)['downtimeMs'];
    expect({
      downtimeMs: watcherDowntime,
      totalTimeMs: f(downtime.record)['totalTimeMs'],
      notRead: f(downtime.record)['downtimeNotRead'],
    }).toEqual({
      downtimeMs: detail['downtimeMs'],
      totalTimeMs: detail['migrationTotalMs'],
      notRead: undefined,
    });

    const summary = probeRun.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .at(-1)!;
    expect(summary['kind']).toBe('probe-summary');
    measured.push(
      `live-migrate ${from} -> ${to}: QEMU downtime ${detail['downtimeMs']} ms (action, agent's record), ${watcherDowntime} ms (QMP watcher), total ${detail['migrationTotalMs']} ms; ` +
        `havoc probe (50 ms, real-time) longest outage ${(Number(summary['longestOutageNs']) / 1e6).toFixed(1)} ms (${summary['failed']}/${summary['requests']} failed); ` +
        `query-migrate asked ${f(downtime.record)['queries']} time(s) after completed; ` +
        `target: connect ${f(targetConnect!.record)['detail']} (migration ${f(targetConnect!.record)['migration'] ?? 'none'}), seen ${seenOnTarget.join(', ') || 'nothing'}, missed ${missed.join(', ') || 'nothing'}; ` +
        `target connect ${(Number(BigInt(targetConnect!.record.ns) - BigInt(setup.record.ns)) / 1e6).toFixed(0)} ms after the source's setup; ` +
        `watcher CPU over the migration test ${cpuMs(cpuAtStart)} ms`,
    );
  }, 400_000);

  it("storage-loss (nftables): the QMP watcher records STOP io-error; the fault's own verify sees vm1 paused (I/O error) over QMP and its own revert leaves it running (independent query-status, the guest answering)", async () => {
    const host = await vmHost();
    const vm = state.ha!.vms.find((v) => v.name === VM)!;
    const init = hostInitPid(state.hosts[host]!);
    expect(init, `${host} is powered on`).toBeDefined();
    // The agent's socket as the station sees it through the host's mount namespace: no SSH, no havoc fault code.
    const agentSocket = join(`/proc/${init}/root`, vmPaths(join(QEMU_VM_STATE_ROOT, VM)).qmpSocket);
    const statusNow = async () => {
      const qmp = await QmpClient.connect(agentSocket, { target: `${VM} agent socket` });
      try {
        return (await qmp.execute<{ status: string }>('query-status')).status;
      } finally {
        await qmp.close();
      }
    };
    // The qemu-vm agent's monitor fails on a VM paused on I/O error, and Pacemaker restarts it (seen on the lab:
    // QMP quit 5 s after the STOP). Unmanaged, only the fault's revert can bring the paused VM back.
    await crmIn(state, host, ['crm_resource', '--meta', '-r', VM, '-p', 'is-managed', '-v', 'false']);
    try {
      const mark = qmpLines().at(-1)?.line ?? 0;
      const r = await havocChild([
        '--json',
        '-i',
        lab.inventory,
        'chaos',
        'inject',
        'storage-loss',
        host,
        '--for',
        '3s',
        '--ledger',
        join(scratch, 'ledger-storage'),
      ]);
      expect(r.code, r.stderr).toBe(0);
      const report = JSON.parse(r.stdout) as InjectReport;
      expect(report.injected?.state).toBe('in-effect');
      expect(report.injected?.evidence).toContain(`VM ${VM} on ${host}: paused (I/O error)`);
      expect(report.reverted.ok, report.reverted.reason).toBe(true);
      expect(report.reverted.evidence).toContain(`VM ${VM} on ${host}: running`);
      const stop = await recordOf('STOP', lifecycle(host, 'STOP'), mark, 60_000);
      const reason = await recordOf(
        "query-status io-error after the STOP (the STOP's reason)",
        (x) => lifecycle(host, 'query-status', 'io-error')(x) && f(x)['after'] === 'STOP',
        stop.line,
        60_000,
      );
      // The fault's own cont, over QMP: a RESUME after the STOP, and QEMU reads running now.
      const resumed = await recordOf(
        'RESUME after the revert',
        lifecycle(host, 'RESUME'),
        reason.line,
        30_000,
      );
      expect(await statusNow()).toBe('running');
      const answer = await pollUntil(
        async () => {
          const sample = await probeOnce(`http://${vm.ip}/`, 1_000);
          return sample.ok ? sample : undefined;
        },
        deadlineSignal(30_000, `${VM}'s HTTP service after the revert`),
        { initialMs: 200, maxMs: 1_000 },
      );
      const events = qmpLines()
        .filter((l) => l.line > mark && l.record.event === 'lifecycle' && f(l.record)['host'] === host)
        .map((l) => `${f(l.record)['event']}${f(l.record)['detail'] ? ` ${f(l.record)['detail']}` : ''}`);
      const h = readLedger(join(scratch, 'ledger-storage')).faults[0]!.history;
      const ms = (a: string, b: string) =>
        Number(
          (BigInt(h.find((e) => e.state === b)!.ns) - BigInt(h.find((e) => e.state === a)!.ns)) / 1_000_000n,
        );
      measured.push(
        `storage-loss on ${host}: intended->verified ${ms('intended', 'verified')} ms, reverting->reverted ${ms('reverting', 'reverted')} ms; ${text(stop)}; ${text(reason)}; then ${text(resumed)}; lifecycle after the inject: ${events.join(', ')}; guest counter ${answer.ok ? answer.status.counter : '?'}`,
      );
    } finally {
      await crmIn(state, host, ['crm_resource', '--cleanup', '-r', VM]).catch(() => '');
      await crmIn(state, host, ['crm_resource', '--meta', '-r', VM, '-p', 'is-managed', '-v', 'true']);
    }
    await vmHost();
  }, 300_000);
});
