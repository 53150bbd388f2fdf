import { type TimelineRecord, timelineRecord } from '../../chaos/timeline/index.js';
import type { MeasuredStats, StepResult, SuiteResult } from '../../suites/result.js';
import type { TimelineEvent, Verdict, VerdictStatus } from '../../suites/verdicts/verdict.js';

/*
 * A synthetic suite run for the report tests: a timeline (every record
 * validated by the timeline's own schema) and the SuiteResult a runner would
 * hand over for it, whose verdict evidence ids are lines of that timeline.
 *
 * Per repeat, on three hosts with two VMs:
 *   <r>.1 "migrate vm1": a live migration of vm1 between host1 and host2, the
 *         probe missing a few 100 ms samples (boot id unchanged);
 *   <r>.2 "power off the host running vm2": host3 powered off, fenced,
 *         vm2 restarted on host1 with a new boot id (too late in repeat 1:
 *         restartedWithin fails), Pacemaker unreachable for 2 s (noDoubleRun
 *         inconclusive), an alert fired and resolved, host3 back, vm2 failed
 *         back to host3 by a live migration.
 * Names can be replaced (hostile names from user files for escaping tests).
 */

export interface FixtureNames {
  suite: string;
  host1: string;
  host2: string;
  host3: string;
  vm1: string;
  vm2: string;
  stepMigrate: string;
  stepPowerOff: string;
  alert: string;
}

export const DEFAULT_NAMES: FixtureNames = {
  suite: 'smoke',
  host1: 'host1',
  host2: 'host2',
  host3: 'host3',
  vm1: 'vm1',
  vm2: 'vm2',
  stepMigrate: 'migrate vm1',
  stepPowerOff: 'power off the host running vm2',
  alert: 'HavocNodeOffline',
};

export interface SyntheticRun {
  result: SuiteResult;
  events: TimelineEvent[];
  names: FixtureNames;
}

const T0 = 1_000_000_000_000n; // 1000 s of uptime, in ns
const WALL0 = Date.parse('2026-12-01T03:00:00.000Z');
const PROBE_MS = 100;

class TimelineFixture {
  readonly events: TimelineEvent[] = [];

  ns(sec: number): string {
    return (T0 + BigInt(Math.round(sec * 1e6)) * 1000n).toString();
  }

  wall(sec: number): string {
    return new Date(WALL0 + Math.round(sec * 1000)).toISOString();
  }

  /** Appends a record stamped at `sec` seconds after the origin; returns its line. */
  add(sec: number, record: Record<string, unknown>): number {
    const parsed: TimelineRecord = timelineRecord.parse({
      v: 1,
      ns: this.ns(sec),
      wall: this.wall(sec),
      ...record,
    });
    const line = this.events.length + 1;
    this.events.push({ line, record: parsed });
    return line;
  }

  /** A folded run of equal probe samples every PROBE_MS from `from` to `to` (inclusive). */
  probe(
    probe: string,
    from: number,
    to: number,
    ok: boolean,
    fields: Record<string, unknown>,
    error?: string,
  ): number {
    const count = Math.max(1, Math.round(((to - from) * 1000) / PROBE_MS) + 1);
    const last = from + ((count - 1) * PROBE_MS) / 1000;
    return this.add(from, {
      kind: 'probe',
      probe,
      sentNs: this.ns(from),
      ...(ok ? { answeredNs: this.ns(from + 0.004) } : {}),
      ok,
      ...(error ? { error } : {}),
      fields,
      ...(count > 1 ? { count, lastSentNs: this.ns(last) } : {}),
    });
  }
}

function node(online: boolean, via: string, unclean = false) {
  return { online, unclean, standby: false, maintenance: false, pending: false, via };
}

function placement(hosts: string[], role: string, resource: string, via: string) {
  return { hosts, role, failed: false, resource, via };
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: number[], p: number): number {
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1] as number;
}

function statsOf(steps: StepResult[]): MeasuredStats[] {
  const groups = new Map<string, { step: string; verdicts: Verdict[] }>();
  for (const step of steps)
    for (const v of step.verdicts) {
      const key = JSON.stringify([step.name, v.expectation, v.subject]);
      const group = groups.get(key) ?? { step: step.name, verdicts: [] };
      group.verdicts.push(v);
      groups.set(key, group);
    }
  const out: MeasuredStats[] = [];
  for (const { step, verdicts } of groups.values()) {
    const measured = verdicts
      .map((v) => v.measuredMs)
      .filter((m): m is number => m !== undefined)
      .sort((a, b) => a - b);
    if (measured.length === 0) continue;
    const statuses: Record<VerdictStatus, number> = { pass: 0, fail: 0, inconclusive: 0 };
    for (const v of verdicts) statuses[v.status] += 1;
    const first = verdicts[0] as Verdict;
    out.push({
      stepName: step,
      expectation: first.expectation,
      subject: first.subject,
      count: measured.length,
      p50Ms: percentile(measured, 50),
      p95Ms: percentile(measured, 95),
      maxMs: measured[measured.length - 1] as number,
      ...(first.targetMs !== undefined ? { targetMs: first.targetMs } : {}),
      statuses,
    });
  }
  return out;
}

export function syntheticRun(opts: { repeats?: number; names?: Partial<FixtureNames> } = {}): SyntheticRun {
  const repeats = opts.repeats ?? 2;
  const n: FixtureNames = { ...DEFAULT_NAMES, ...opts.names };
  const t = new TimelineFixture();
  const run = 'run-20261201-0300';
  const via = n.host1;
  const vm1Boot = 'boot-vm1-a';

  t.add(0, { kind: 'run', run, phase: 'start', bootId: 'station-boot-1' });
  for (const h of [n.host1, n.host2, n.host3])
    t.add(0.1, {
      kind: 'watch',
      watcher: 'pacemaker',
      subject: `node:${h}`,
      event: 'node',
      fields: node(true, via),
    });
  t.add(0.1, {
    kind: 'watch',
    watcher: 'pacemaker',
    subject: 'cluster',
    event: 'reachability',
    fields: { reachable: true },
  });
  t.add(0.2, {
    kind: 'watch',
    watcher: 'pacemaker',
    subject: `vm:${n.vm1}`,
    event: 'placement',
    fields: placement([n.host1], 'Started', `res-${n.vm1}`, via),
  });
  t.add(0.2, {
    kind: 'watch',
    watcher: 'pacemaker',
    subject: `vm:${n.vm2}`,
    event: 'placement',
    fields: placement([n.host3], 'Started', `res-${n.vm2}`, via),
  });

  const steps: StepResult[] = [];
  let vm1At = n.host1;
  let vm1ProbeFrom = 0.5;
  let vm2ProbeFrom = 0.5;
  let vm2Boot = `boot-${n.vm2}-a`;
  let counter1 = 1;
  let counter2 = 1;
  let endSec = 0;

  for (let r = 1; r <= repeats; r++) {
    const b = 5 + (r - 1) * 110;

    // <r>.1: live migration of vm1.
    const to = vm1At === n.host1 ? n.host2 : n.host1;
    t.add(b, {
      kind: 'step',
      step: `${r}.1`,
      phase: 'start',
      name: n.stepMigrate,
      faults: [],
    });
    t.add(b + 1, {
      kind: 'action',
      action: 'live-migration',
      id: `mig-${r}`,
      phase: 'start',
      targets: [n.vm1, to],
    });
    const okBefore = t.probe(n.vm1, vm1ProbeFrom, b + 1.4, true, { bootId: vm1Boot, counter: counter1 });
    const outageMs = r === 1 ? 300 : 400;
    const failFrom = b + 1.5;
    const failTo = failFrom + (outageMs - PROBE_MS) / 1000;
    const failLine = t.probe(n.vm1, failFrom, failTo, false, {}, 'timeout after 80 ms');
    const okAfter = t.probe(n.vm1, failTo + 0.1, failTo + 0.1, true, {
      bootId: vm1Boot,
      counter: counter1 + 20,
    });
    vm1ProbeFrom = failTo + 0.2;
    counter1 += 20;
    const placed = t.add(b + 2, {
      kind: 'watch',
      watcher: 'pacemaker',
      subject: `vm:${n.vm1}`,
      event: 'placement',
      fields: placement([to], 'Started', `res-${n.vm1}`, via),
    });
    const done = t.add(b + 2.1, {
      kind: 'action',
      action: 'live-migration',
      id: `mig-${r}`,
      phase: 'done',
      targets: [n.vm1, to],
    });
    t.add(b + 2.1, { kind: 'step', step: `${r}.1`, phase: 'injected', name: n.stepMigrate });
    t.add(b + 3, { kind: 'step', step: `${r}.1`, phase: 'steady', name: n.stepMigrate });
    t.add(b + 3.2, { kind: 'step', step: `${r}.1`, phase: 'end', name: n.stepMigrate });
    steps.push({
      step: `${r}.1`,
      name: n.stepMigrate,
      fault: 'live-migration',
      params: { vm: n.vm1, to },
      targets: [n.vm1, to],
      selections: { to: `the other host of ${n.vm1} -> ${to}` },
      startWall: t.wall(b),
      startNs: t.ns(b),
      endNs: t.ns(b + 3.2),
      durationMs: 3200,
      verdicts: [
        {
          expectation: 'maxServiceDowntime',
          subject: n.vm1,
          status: 'pass',
          measuredMs: outageMs,
          targetMs: 1000,
          reason: `longest probe outage ${outageMs} ms during the migration, boot id unchanged`,
          evidence: [okBefore, failLine, okAfter],
        },
        {
          expectation: 'noDoubleRun',
          subject: n.vm1,
          status: 'pass',
          reason: `${n.vm1} was active on one host at a time and one boot id answered`,
          evidence: [placed, done],
        },
      ],
    });
    vm1At = to;

    // <r>.2: power-off of host3, fence, restart of vm2 on host1.
    const s = b + 10;
    const fault = `f-${r}`;
    t.add(s, { kind: 'step', step: `${r}.2`, phase: 'start', name: n.stepPowerOff, faults: [fault] });
    t.add(s + 0.2, { kind: 'ledger', fault, name: 'host-power-off', state: 'intended', targets: [n.host3] });
    const injected = t.add(s + 0.5, {
      kind: 'ledger',
      fault,
      name: 'host-power-off',
      state: 'injected',
      targets: [n.host3],
    });
    t.probe(n.vm2, vm2ProbeFrom, s + 0.5, true, { bootId: vm2Boot, counter: counter2 });
    const restartAfter = r === 1 ? 48.5 : 27.9;
    const down = t.probe(n.vm2, s + 0.6, s + 0.5 + restartAfter - 0.1, false, {}, 'connect ECONNREFUSED');
    t.add(s + 1, {
      kind: 'watch',
      watcher: 'pacemaker',
      subject: `node:${n.host3}`,
      event: 'node',
      fields: node(false, via, true),
    });
    t.add(s + 1.4, {
      kind: 'ledger',
      fault,
      name: 'host-power-off',
      state: 'verified',
      targets: [n.host3],
    });
    t.add(s + 1.4, {
      kind: 'step',
      step: `${r}.2`,
      phase: 'injected',
      name: n.stepPowerOff,
      faults: [fault],
    });
    const unreachable = t.add(s + 3, {
      kind: 'watch',
      watcher: 'pacemaker',
      subject: 'cluster',
      event: 'reachability',
      fields: { reachable: false, error: `crm_mon on ${n.host1}: timed out after 2000 ms` },
    });
    const reachable = t.add(s + 5, {
      kind: 'watch',
      watcher: 'pacemaker',
      subject: 'cluster',
      event: 'reachability',
      fields: { reachable: true },
    });
    const fenced = t.add(s + 13, {
      kind: 'watch',
      watcher: 'pacemaker',
      subject: `fence:${n.host3}`,
      event: 'fence',
      fields: { target: n.host3, action: 'reboot', status: 'success', delegate: n.host1, origin: n.host2 },
    });
    const firing = t.add(s + 10, {
      kind: 'watch',
      watcher: 'alertmanager',
      subject: `alert:${n.alert}`,
      event: 'alert',
      fields: { status: 'firing', labels: { alertname: n.alert, host: n.host3 } },
    });
    t.add(s + 15, {
      kind: 'watch',
      watcher: 'pacemaker',
      subject: `vm:${n.vm2}`,
      event: 'placement',
      fields: placement([], 'Stopped', `res-${n.vm2}`, via),
    });
    const started = t.add(s + 0.5 + restartAfter - 2, {
      kind: 'watch',
      watcher: 'pacemaker',
      subject: `vm:${n.vm2}`,
      event: 'placement',
      fields: placement([n.host1], 'Started', `res-${n.vm2}`, via),
    });
    const newBoot = `boot-${n.vm2}-${String.fromCharCode(98 + r - 1)}`;
    const answered = t.probe(n.vm2, s + 0.5 + restartAfter, s + 80, true, {
      bootId: newBoot,
      counter: counter2 + 5,
    });
    vm2Boot = newBoot;
    counter2 += 5;
    t.add(s + 70, { kind: 'ledger', fault, name: 'host-power-off', state: 'reverting', targets: [n.host3] });
    t.add(s + 84, {
      kind: 'watch',
      watcher: 'pacemaker',
      subject: `node:${n.host3}`,
      event: 'node',
      fields: node(true, via),
    });
    t.add(s + 85, { kind: 'ledger', fault, name: 'host-power-off', state: 'reverted', targets: [n.host3] });
    t.add(s + 85, { kind: 'step', step: `${r}.2`, phase: 'reverted', name: n.stepPowerOff, faults: [fault] });
    t.add(s + 86, {
      kind: 'action',
      action: 'live-migration',
      id: `failback-${r}`,
      phase: 'start',
      targets: [n.vm2, n.host3],
    });
    t.add(s + 87, {
      kind: 'watch',
      watcher: 'pacemaker',
      subject: `vm:${n.vm2}`,
      event: 'placement',
      fields: placement([n.host3], 'Started', `res-${n.vm2}`, via),
    });
    t.add(s + 87.1, {
      kind: 'action',
      action: 'live-migration',
      id: `failback-${r}`,
      phase: 'done',
      targets: [n.vm2, n.host3],
    });
    vm2ProbeFrom = s + 80.1;
    t.add(s + 90, {
      kind: 'watch',
      watcher: 'alertmanager',
      subject: `alert:${n.alert}`,
      event: 'alert',
      fields: { status: 'resolved', labels: { alertname: n.alert, host: n.host3 } },
    });
    t.add(s + 95, { kind: 'step', step: `${r}.2`, phase: 'steady', name: n.stepPowerOff, faults: [fault] });
    t.add(s + 96, { kind: 'step', step: `${r}.2`, phase: 'end', name: n.stepPowerOff, faults: [fault] });
    const restartMs = Math.round(restartAfter * 1000);
    steps.push({
      step: `${r}.2`,
      name: n.stepPowerOff,
      fault: 'host-power-off',
      params: {},
      targets: [n.host3],
      selections: { host: `the host running ${n.vm2} -> ${n.host3}` },
      startWall: t.wall(s),
      startNs: t.ns(s),
      endNs: t.ns(s + 96),
      durationMs: 96_000,
      verdicts: [
        {
          expectation: 'fencedWithin',
          subject: n.host3,
          status: 'pass',
          measuredMs: 12_500,
          targetMs: 60_000,
          reason: `${n.host3} fenced (reboot, success) 12.5 s after the injection`,
          evidence: [injected, fenced],
        },
        {
          expectation: 'restartedWithin',
          subject: n.vm2,
          status: restartMs > 30_000 ? 'fail' : 'pass',
          measuredMs: restartMs,
          targetMs: 30_000,
          reason: `${n.vm2} answered on ${n.host1} with a new boot id ${restartAfter} s after the injection`,
          evidence: [injected, down, started, answered],
        },
        {
          expectation: 'noDoubleRun',
          subject: n.vm2,
          status: 'inconclusive',
          reason:
            'Pacemaker could not be read for 2.0 s during the step: a second placement could have gone unseen',
          evidence: [unreachable, reachable],
        },
        {
          expectation: 'alertFiredWithin',
          subject: n.alert,
          status: 'pass',
          measuredMs: 9500,
          targetMs: 60_000,
          reason: `${n.alert} firing 9.5 s after the injection`,
          evidence: [injected, firing],
        },
      ],
    });
    endSec = s + 97;
  }
  t.probe(n.vm1, vm1ProbeFrom, endSec, true, { bootId: vm1Boot, counter: counter1 + 100 });
  t.probe(n.vm2, vm2ProbeFrom, endSec, true, { bootId: vm2Boot, counter: counter2 + 100 });
  t.add(endSec + 0.5, { kind: 'run', run, phase: 'end', bootId: 'station-boot-1' });

  const anyFail = steps.some((st) => st.verdicts.some((v) => v.status === 'fail'));
  const result: SuiteResult = {
    version: 1,
    suite: {
      name: n.suite,
      description: 'synthetic run for the report tests',
      file: 'suites/smoke.yaml',
      seed: 42,
      repeat: repeats,
    },
    run,
    outcome: anyFail ? 'fail' : 'inconclusive',
    inventory: { file: '/var/lib/havoc/labs/rp1/inventory.yaml', cluster: 'lab-rp1', sha256: 'a'.repeat(64) },
    versions: {
      havoc: '0.1.0',
      cluster: Object.fromEntries(
        [n.host1, n.host2, n.host3].map((h) => [
          h,
          { pacemaker: '2.1.5', corosync: '3.1.7', libvirt: '9.0.0' },
        ]),
      ),
    },
    startWall: t.wall(0),
    endWall: t.wall(endSec + 0.5),
    durationMs: Math.round((endSec + 0.5) * 1000),
    timeline: `/var/lib/havoc/labs/rp1/timelines/${run}.jsonl`,
    steps,
    stats: statsOf(steps),
  };
  return { result, events: t.events, names: n };
}
