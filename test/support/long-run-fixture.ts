import { join } from 'node:path';
import { openTimeline, readTimeline, type TimelineInput } from '../../chaos/timeline/index.js';
import type { StepResult, SuiteResult } from '../../suites/result.js';
import type { TimelineEvent } from '../../suites/verdicts/verdict.js';

/*
 * A long suite run in the shape of the lab's `nightly` (19 minutes, 16
 * steps, 3 hosts, 2 VMs probed at 50 Hz, every sample a record as the
 * probers write them), written through the timeline writer and read back
 * with the reader, for the report's size tests and bench/report. Per step,
 * alternately:
 *   "migrate vm1": a live migration, vm1's probe down for `shortOutageMs`
 *     (2 failed requests at 50 Hz for 40 ms), boot id unchanged;
 *   "power off the host running vm2": host2 unclean, fenced, offline,
 *     back; vm2 down for 20 s (refused, then timed out) and up with a new
 *     boot id; an alert firing and resolved.
 * And in every step `flaps` single failed requests per VM (a lossy link),
 * so a test can change the number of state changes alone.
 */

export interface LongRunOptions {
  /** Where the timeline file is written. */
  dir: string;
  minutes?: number;
  steps?: number;
  hz?: number;
  flaps?: number;
  shortOutageMs?: number;
}

export interface ProbeTransition {
  probe: string;
  ok: boolean;
  /** Send time of the first request with the new result. */
  sentNs: bigint;
}

export interface LongRun {
  result: SuiteResult;
  events: TimelineEvent[];
  samples: number;
  /** Every up/down change of each probe, in send order (the first sample of each probe counts as one). */
  transitions: ProbeTransition[];
  timelinePath: string;
}

const T0 = 29_071_429_830_068n;
const WALL0 = Date.parse('2026-12-01T19:05:59.310Z');
const MS = 1_000_000n;
const VMS = ['vm1', 'vm2'] as const;
const HOSTS = ['host1', 'host2', 'host3'] as const;
const TIMEOUT_MS = 500;

function node(online: boolean, unclean = false) {
  return { online, unclean, standby: false, maintenance: false, pending: false, via: 'host1' };
}

export function longRun(opts: LongRunOptions): LongRun {
  const minutes = opts.minutes ?? 19;
  const stepCount = opts.steps ?? 16;
  const hz = opts.hz ?? 50;
  const flaps = opts.flaps ?? 5;
  const shortMs = opts.shortOutageMs ?? 40;
  const intervalMs = 1000 / hz;
  const totalMs = minutes * 60_000;
  const stepMs = Math.floor(totalMs / stepCount);
  const records: { ns: bigint; record: TimelineInput }[] = [];
  const at = (ms: number) => T0 + BigInt(Math.round(ms * 1000)) * 1000n;
  const add = (ms: number, record: TimelineInput) => records.push({ ns: at(ms), record });

  add(0, { kind: 'run', run: 'long-run-1', phase: 'start', bootId: 'station-boot' });
  for (const h of HOSTS)
    add(100, {
      kind: 'watch',
      watcher: 'pacemaker',
      subject: `node:${h}`,
      event: 'node',
      fields: node(true),
    });
  const placed = (ms: number, vm: string, host: string) =>
    add(ms, {
      kind: 'watch',
      watcher: 'pacemaker',
      subject: `vm:${vm}`,
      event: 'placement',
      fields: { hosts: [host], role: 'Started', failed: false, resource: `res-${vm}`, via: 'host1' },
    });
  placed(200, 'vm1', 'host1');
  placed(200, 'vm2', 'host2');

  // Down intervals per VM, in ms since the start: [from, to, error].
  const down: Record<string, [number, number, string][]> = { vm1: [], vm2: [] };
  const bootChanges: Record<string, number[]> = { vm1: [], vm2: [] };
  const steps: StepResult[] = [];
  let vm1Host = 'host1';
  for (let i = 0; i < stepCount; i++) {
    const s = i * stepMs + 1000;
    const id = `1.${i + 1}`;
    const migrate = i % 2 === 0;
    const name = migrate ? 'migrate vm1' : 'power off the host running vm2';
    const fault = `f${i + 1}`;
    add(s, { kind: 'step', step: id, phase: 'start', name });
    if (migrate) {
      const to = vm1Host === 'host1' ? 'host3' : 'host1';
      add(s + 1000, {
        kind: 'action',
        action: 'live-migration',
        id: `mig-${i}`,
        phase: 'start',
        targets: ['vm1', to],
      });
      down.vm1?.push([s + 3000, s + 3000 + shortMs, 'no answer within 500 ms']);
      placed(s + 3100, 'vm1', to);
      add(s + 3200, {
        kind: 'action',
        action: 'live-migration',
        id: `mig-${i}`,
        phase: 'done',
        targets: ['vm1', to],
      });
      vm1Host = to;
    } else {
      const ledger = (ms: number, state: 'intended' | 'injected' | 'verified' | 'reverting' | 'reverted') =>
        add(ms, { kind: 'ledger', fault, name: 'host-power-off', state, targets: ['host2'] });
      const watch = (ms: number, fields: ReturnType<typeof node>) =>
        add(ms, { kind: 'watch', watcher: 'pacemaker', subject: 'node:host2', event: 'node', fields });
      ledger(s + 500, 'intended');
      ledger(s + 1000, 'injected');
      ledger(s + 1500, 'verified');
      watch(s + 6000, node(false, true));
      add(s + 12_000, {
        kind: 'watch',
        watcher: 'pacemaker',
        subject: 'fence:host2',
        event: 'fence',
        fields: { target: 'host2', action: 'reboot', status: 'success', delegate: 'host1', completed: 'x' },
      });
      watch(s + 12_100, node(false));
      down.vm2?.push(
        [s + 1000, s + 11_000, 'ECONNREFUSED'],
        [s + 11_000, s + 21_000, 'no answer within 500 ms'],
      );
      placed(s + 11_000, 'vm2', 'host3');
      bootChanges.vm2?.push(s + 21_000);
      add(s + 9000, {
        kind: 'watch',
        watcher: 'alertmanager',
        subject: 'alert:HavocNodeOffline',
        event: 'alert',
        fields: { status: 'firing', labels: { alertname: 'HavocNodeOffline', host: 'host2' } },
      });
      ledger(s + 30_000, 'reverting');
      ledger(s + 30_500, 'reverted');
      watch(s + 40_000, node(true));
      add(s + 42_000, {
        kind: 'watch',
        watcher: 'alertmanager',
        subject: 'alert:HavocNodeOffline',
        event: 'alert',
        fields: { status: 'resolved', labels: { alertname: 'HavocNodeOffline', host: 'host2' } },
      });
    }
    // Lone failed requests, spread over the step's second half, on both VMs.
    for (let k = 0; k < flaps; k++)
      for (const vm of VMS) {
        const from = s + stepMs / 2 + (k * stepMs) / 2 / (flaps + 1) + (vm === 'vm2' ? 7 * intervalMs : 0);
        down[vm]?.push([from, from + intervalMs, 'no whole answer within 500 ms']);
      }
    const endMs = s + stepMs - 2000;
    add(endMs, { kind: 'step', step: id, phase: 'end', name });
    steps.push({
      step: id,
      name,
      fault: migrate ? 'live-migrate' : 'host-power-off',
      params: {},
      targets: migrate ? ['vm1'] : ['host2'],
      selections: {},
      startWall: new Date(WALL0 + s).toISOString(),
      startNs: at(s).toString(),
      endNs: at(endMs).toString(),
      durationMs: endMs - s,
      verdicts: [
        {
          expectation: migrate ? 'maxServiceDowntime' : 'restartedWithin',
          subject: migrate ? 'vm1' : 'vm2',
          status: 'pass',
          measuredMs: migrate ? shortMs : 20_000,
          targetMs: migrate ? 1000 : 60_000,
          reason: 'synthetic',
          evidence: [],
        },
      ],
    });
  }

  // The probes: a request every interval, answered in 2 ms, or written as failed when its timeout ends.
  const transitions: ProbeTransition[] = [];
  let samples = 0;
  VMS.forEach((vm, v) => {
    const intervals = [...(down[vm] ?? [])].sort((a, b) => a[0] - b[0]);
    const boots = bootChanges[vm] ?? [];
    let last: boolean | undefined;
    let j = 0;
    for (let k = 0; k * intervalMs < totalMs; k++) {
      const sent = 500 + v * 3 + k * intervalMs;
      while (j < intervals.length && (intervals[j] as [number, number, string])[1] <= sent) j++;
      const iv = intervals[j];
      const failed = iv !== undefined && iv[0] <= sent;
      const sentNs = at(sent);
      if (last === undefined || !failed !== last) transitions.push({ probe: vm, ok: !failed, sentNs });
      last = !failed;
      samples++;
      const boot = boots.filter((b) => b <= sent).length;
      records.push(
        failed
          ? {
              ns: at(sent + (iv[2] === 'ECONNREFUSED' ? 1 : TIMEOUT_MS)),
              record: {
                kind: 'probe',
                probe: vm,
                sentNs: sentNs.toString(),
                ok: false,
                error: `198.19.11.10${v + 1}:80: ${iv[2]}`,
              },
            }
          : {
              ns: at(sent + 2),
              record: {
                kind: 'probe',
                probe: vm,
                sentNs: sentNs.toString(),
                answeredNs: at(sent + 2).toString(),
                ok: true,
                fields: {
                  bootId: `${vm}-boot-${boot}-7f8a5bed-bf58-489f-8fff`,
                  counter: 56 + Math.floor(sent / 1000),
                },
              },
            },
      );
    }
  });
  add(totalMs + 1000, { kind: 'run', run: 'long-run-1', phase: 'end', bootId: 'station-boot' });

  const timelinePath = join(opts.dir, 'timeline.jsonl');
  const timeline = openTimeline(timelinePath, { exclusive: true });
  records.sort((a, b) => (a.ns < b.ns ? -1 : a.ns > b.ns ? 1 : 0));
  for (const r of records)
    timeline.append({
      ...r.record,
      ns: r.ns.toString(),
      wall: new Date(WALL0 + Number((r.ns - T0) / MS)).toISOString(),
    });
  timeline.close();
  const read = readTimeline(timelinePath);
  const events = read.records.map((record, i) => ({ line: read.lines[i] as number, record }));
  const result: SuiteResult = {
    version: 1,
    suite: {
      name: 'nightly',
      description: "a synthetic run of the nightly suite's shape",
      seed: 1,
      repeat: 1,
    },
    run: 'long-run-1',
    outcome: 'pass',
    inventory: {
      file: '/var/lib/havoc/labs/nightly1/inventory.yaml',
      cluster: 'nightly1-lab',
      sha256: 'a'.repeat(64),
    },
    versions: { havoc: '0.1.0', cluster: {} },
    startWall: new Date(WALL0).toISOString(),
    endWall: new Date(WALL0 + totalMs + 1000).toISOString(),
    durationMs: totalMs + 1000,
    timeline: timelinePath,
    steps,
    stats: [],
  };
  return { result, events, samples, transitions, timelinePath };
}
