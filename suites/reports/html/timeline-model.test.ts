import { describe, expect, it } from 'vitest';
import { timelineRecord } from '../../../chaos/timeline/index.js';
import { syntheticRun } from '../../../test/support/suite-result-fixture.js';
import type { TimelineEvent } from '../../verdicts/verdict.js';
import { reportHtml } from './report-html.js';
import { buildTimelineModel } from './timeline-model.js';
import type { Lane } from './timeline-types.js';

const { result, events } = syntheticRun({ repeats: 2 });
const model = buildTimelineModel(events);
const sec = (ns: bigint) => Number(ns - model.originNs) / 1e9;
const lane = (kind: Lane['kind'], name: string) => {
  const l = model.lanes.find((x) => x.kind === kind && x.name === name);
  if (!l)
    throw new Error(`no ${kind} lane ${name}: ${model.lanes.map((x) => `${x.kind}:${x.name}`).join(' ')}`);
  return l;
};

describe('HTML timeline model (from the timeline alone)', () => {
  it('has a lane per host, the HA manager reachability, a lane per VM with its probe, and the alert', () => {
    expect(model.lanes.map((l) => `${l.kind}:${l.name}`)).toEqual([
      'host:host1',
      'host:host2',
      'host:host3',
      'cluster:pacemaker',
      'vm:vm1',
      'probe:vm1',
      'vm:vm2',
      'probe:vm2',
      'alert:HavocNodeOffline',
    ]);
  });

  it("host states last from one record to the next, and fences are markers on the target's lane", () => {
    const host3 = lane('host', 'host3');
    expect(host3.segments.map((s) => [s.label, sec(s.fromNs), sec(s.toNs)])).toEqual([
      ['online', 0.1, 16],
      ['unclean', 16, 99],
      ['online', 99, 126],
      ['unclean', 126, 209],
      ['online', 209, sec(model.endNs)],
    ]);
    expect(host3.markers.map((m) => [m.cls, sec(m.atNs)])).toEqual([
      ['m-fence m-fence-success', 28],
      ['m-fence m-fence-success', 138],
    ]);
    expect(lane('host', 'host1').markers).toEqual([]);
  });

  it('probe lanes: runs of up/down (folded records included), the resolution, and boot id changes', () => {
    const vm1 = lane('probe', 'vm1');
    expect(vm1.note).toBe('every ~100 ms');
    const down = vm1.segments.filter((s) => s.cls === 'p-down');
    // Repeat 1: samples at 6.5, 6.6, 6.7 s failed, 6.8 s answered: down from the first failed sample to the next answer.
    expect(down.map((s) => [sec(s.fromNs), sec(s.toNs)])).toEqual([
      [6.5, 6.8],
      [116.5, 116.9],
    ]);
    expect(vm1.markers).toEqual([]);
    const vm2 = lane('probe', 'vm2');
    expect(vm2.markers.map((m) => [sec(m.atNs), m.detail.replace(/^L\d+ \+\d+\.\d{9} s /, '')])).toEqual([
      [64, 'vm2 answered with a new boot id: boot-vm2-a -> boot-vm2-b'],
      [153.4, 'vm2 answered with a new boot id: boot-vm2-b -> boot-vm2-c'],
    ]);
  });

  it('VM placement: the host it runs on (coloured by host lane), stopped, and the failback', () => {
    const vm2 = lane('vm', 'vm2');
    expect(vm2.segments.slice(0, 4).map((s) => [s.label, s.cls, sec(s.fromNs)])).toEqual([
      ['host3', 'v-host h2', 0.2],
      ['stopped', 'v-stopped', 30],
      ['host1', 'v-host h0', 62],
      ['host3', 'v-host h2', 102],
    ]);
  });

  it('fault windows from injected to reverted, action windows from start to done, step windows start to end', () => {
    expect(
      model.windows
        .filter((w) => w.kind === 'fault')
        .map((w) => [w.label, sec(w.fromNs), sec(w.toNs), w.closed]),
    ).toEqual([
      ['host-power-off host3', 15.5, 100, true],
      ['host-power-off host3', 125.5, 210, true],
    ]);
    expect(model.windows.filter((w) => w.kind === 'action')).toHaveLength(4);
    expect(model.steps.map((s) => s.label)).toEqual([
      '1.1 migrate vm1',
      '1.2 power off the host running vm2',
      '2.1 migrate vm1',
      '2.2 power off the host running vm2',
    ]);
  });

  it('a fault never reverted is drawn to the end of the timeline and marked open; one never in effect is not drawn', () => {
    const base = 1_000_000_000_000n;
    const mk = (line: number, sec: number, rec: Record<string, unknown>): TimelineEvent => ({
      line,
      record: timelineRecord.parse({
        v: 1,
        ns: (base + BigInt(sec * 1e9)).toString(),
        wall: '2026-12-01T03:00:00.000Z',
        ...rec,
      }),
    });
    const m = buildTimelineModel([
      mk(1, 0, { kind: 'run', run: 'r', phase: 'start' }),
      mk(2, 1, { kind: 'ledger', fault: 'f1', name: 'link-down', state: 'injected', targets: ['h1'] }),
      mk(3, 2, { kind: 'ledger', fault: 'f2', name: 'bmc-dead', state: 'refused', targets: ['h2'] }),
      mk(4, 3, {
        kind: 'watch',
        watcher: 'someone',
        subject: 'node:h9',
        event: 'unheard-of',
        fields: { x: 1 },
      }),
      mk(5, 10, { kind: 'probe', probe: 'web', sentNs: (base + 10n * 1_000_000_000n).toString(), ok: true }),
    ]);
    expect(m.windows).toHaveLength(1);
    expect(m.windows[0]?.closed).toBe(false);
    expect(m.windows[0]?.toNs).toBe(base + 10n * 1_000_000_000n);
    // An event outside the vocabulary draws nothing (not a host lane for h9); a probe of no VM has its own lane.
    expect(m.lanes.map((l) => `${l.kind}:${l.name}`)).toEqual(['probe:web']);
  });
});

describe('HTML timeline model: XAPI pools, libvirt, a VM running twice', () => {
  const base = 1_000_000_000_000n;
  let line = 0;
  const at = (sec: number, rec: Record<string, unknown>): TimelineEvent => ({
    line: ++line,
    record: timelineRecord.parse({
      v: 1,
      ns: (base + BigInt(sec * 1e9)).toString(),
      wall: '2026-12-01T03:00:00.000Z',
      ...rec,
    }),
  });
  const place = (watcher: string, sec: number, hosts: string[], failed = false) =>
    at(sec, {
      kind: 'watch',
      watcher,
      subject: 'vm:db',
      event: 'placement',
      fields: { hosts, role: hosts.length ? 'running' : 'halted', failed, resource: 'uuid-1', via: 'xs1' },
    });
  const m = buildTimelineModel([
    at(0, { kind: 'run', run: 'r', phase: 'start' }),
    at(1, {
      kind: 'watch',
      watcher: 'xapi',
      subject: 'node:xs1',
      event: 'node',
      fields: { live: true, enabled: true, via: 'xs1' },
    }),
    at(1, {
      kind: 'watch',
      watcher: 'xapi',
      subject: 'node:xs2',
      event: 'node',
      fields: { live: true, enabled: false, via: 'xs1' },
    }),
    place('xapi', 2, ['xs1']),
    at(3, {
      kind: 'watch',
      watcher: 'xapi',
      subject: 'node:xs1',
      event: 'node',
      fields: { live: false, enabled: true, via: 'xs2' },
    }),
    place('xapi', 4, ['xs1', 'xs2']),
    place('libvirt', 4.5, ['xs2']),
    place('xapi', 5, [], true),
    at(6, {
      kind: 'watch',
      watcher: 'libvirt',
      subject: 'vm:db',
      event: 'lifecycle',
      fields: { host: 'xs2', event: 'Started' },
    }),
    at(7, {
      kind: 'watch',
      watcher: 'pacemaker',
      subject: 'fence:xs1',
      event: 'fence',
      fields: { target: 'xs1', action: 'off', status: 'failed' },
    }),
    // Fields that do not match the vocabulary are not drawn (a writer bug must not paint a state).
    at(8, { kind: 'watch', watcher: 'xapi', subject: 'node:xs2', event: 'node', fields: { live: 'yes' } }),
    at(9, { kind: 'run', run: 'r', phase: 'end' }),
  ]);
  const get = (kind: string, name: string) => m.lanes.find((l) => l.kind === kind && l.name === name);

  it('two watchers of one VM get a lane each (merged, their disagreement would look like a flicker)', () => {
    expect(m.lanes.filter((l) => l.kind === 'vm').map((l) => [l.label, l.source, l.segments.length])).toEqual(
      [
        ['db (xapi)', 'xapi', 3],
        ['db (libvirt)', 'libvirt', 1],
      ],
    );
  });

  it('XAPI host liveness as host states', () => {
    expect(get('host', 'xs1')?.segments.map((s) => s.label)).toEqual(['live', 'dead']);
    expect(get('host', 'xs2')?.segments.map((s) => [s.label, Number(s.toNs - base) / 1e9])).toEqual([
      ['disabled', 9],
    ]);
  });

  it('a VM on two hosts at once, then failed, and its lifecycle events as markers', () => {
    const db = get('vm', 'db');
    expect(db?.segments.map((s) => [s.label, s.cls])).toEqual([
      ['xs1', 'v-host h0'],
      ['TWICE: xs1+xs2', 'v-double'],
      ['failed', 'v-failed'],
    ]);
    expect(db?.markers.map((x) => x.cls)).toEqual(['m-lifecycle']);
  });

  it('a failed fence is a marker of its own class', () => {
    expect(get('host', 'xs1')?.markers.map((x) => x.cls)).toEqual(['m-fence m-fence-failed']);
  });
});

describe('HTML report text', () => {
  it('escapes every name that comes from a user file', () => {
    const hostile = syntheticRun({
      repeats: 1,
      names: { suite: '<script>alert(1)</script>', vm2: 'vm2"><img src=x onerror=alert(2)>', alert: "a'b&c" },
    });
    const html = reportHtml(hostile.result, hostile.events);
    expect(html).not.toContain('<script>alert(1)');
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('vm2&quot;&gt;&lt;img src=x onerror=alert(2)&gt;');
    expect(html).toContain('a&#39;b&amp;c');
    // One script: the report's own hover panel.
    expect(html.match(/<script/g)).toHaveLength(1);
  });

  it('forbids every fetch and names no external resource', () => {
    const html = reportHtml(result, events);
    expect(html).toContain(`content="default-src &#39;none&#39;;`);
    expect(html).not.toMatch(/\b(src|href)=["']?(https?:)?\/\//);
    expect(html).not.toMatch(/@import|url\(/);
  });
});
