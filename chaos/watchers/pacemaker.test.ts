import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { beforeEach, describe, expect, it } from 'vitest';
import { inventorySchema } from '../../inventory/schema.js';
import { type CrmMonReading, parseCrmMonXml } from '../../protocols/pacemaker/index.js';
import { tempDir } from '../../test/support/temp-dir.js';
import { openTimeline, readTimeline, type Timeline } from '../timeline/index.js';
import { askOrder, PacemakerRecorder } from './pacemaker.js';
import { pacemakerView } from './pacemaker-view.js';
import { WatchEmitter } from './watch-emitter.js';

/*
 * Captured crm_mon XML of the real HA lab (test/lab-ha/fixtures/SOURCES.md:
 * pacemaker 2.1.5, 3 hosts, 2 VMs), and edits of it named where they are made.
 */

const fixture = (name: string) =>
  readFileSync(new URL(`../../test/lab-ha/fixtures/${name}`, import.meta.url), 'utf8');
const RUNNING = fixture('crm_mon-ha-lab-running.xml');
const AFTER_FENCE = fixture('crm_mon-ha-lab-after-fence.xml');

const inventory = inventorySchema.parse({
  version: 1,
  cluster: { name: 'lab' },
  hosts: ['host1', 'host2', 'host3'].map((name, i) => ({
    name,
    address: `198.18.0.${i + 1}`,
    memoryMiB: 4096,
    vcpus: 4,
  })),
  haManager: { type: 'pacemaker', via: ['host1', 'host2', 'host3'] },
  vms: [
    { name: 'vm1', memoryMiB: 256, vcpus: 1, homeHost: 'host1' },
    { name: 'vm2', memoryMiB: 256, vcpus: 1, homeHost: 'host2' },
  ],
});

const reading = (xml: string, node = 'host1'): CrmMonReading => ({
  node,
  status: parseCrmMonXml(xml),
  failures: [],
});

let timeline: Timeline;
let recorder: PacemakerRecorder;
beforeEach(() => {
  timeline = openTimeline(join(tempDir('havoc-watch-'), 'timeline.jsonl'));
  recorder = new PacemakerRecorder({ timeline, log: pino({ level: 'silent' }) }, inventory);
});

/** What is on the timeline so far, as "ns subject event fields". */
function written(): string[] {
  timeline.flush();
  return readTimeline(timeline.path).records.flatMap((r) =>
    r.kind === 'watch' ? [`${r.ns} ${r.subject} ${r.event} ${JSON.stringify(r.fields)}`] : [],
  );
}

describe('pacemakerView (captured crm_mon XML of the HA lab)', () => {
  it('names nodes and VMs by their inventory names, with the hosts each VM is active on', () => {
    const v = pacemakerView(parseCrmMonXml(RUNNING), inventory, 'host2');
    expect(v.nodes.map((n) => [n.subject, n.fields.online, n.fields.unclean, n.fields.via])).toEqual([
      ['node:host1', true, false, 'host2'],
      ['node:host2', true, false, 'host2'],
      ['node:host3', true, false, 'host2'],
    ]);
    expect(v.placements).toEqual([
      {
        subject: 'vm:vm1',
        fields: { hosts: ['host1'], role: 'Started', failed: false, resource: 'vm1', via: 'host2' },
      },
      {
        subject: 'vm:vm2',
        fields: { hosts: ['host2'], role: 'Started', failed: false, resource: 'vm2', via: 'host2' },
      },
    ]);
    expect(v.fences).toEqual([]);
    expect(v.unknownNodes).toEqual([]);
  });

  it('reads the fence of host3 from the history, and a VM running on two nodes as two hosts (edited: vm1 also on host2)', () => {
    const twice = AFTER_FENCE.replace(
      /(<resource id="vm1"[^>]*nodes_running_on=)"1">\s*<node name="host1" id="1" cached="true"\/>/,
      '$1"2"><node name="host2" id="2" cached="true"/><node name="host1" id="1" cached="true"/>',
    );
    expect(twice).not.toBe(AFTER_FENCE);
    const v = pacemakerView(parseCrmMonXml(twice), inventory, 'host1');
    expect(v.fences.map((f) => [f.subject, f.fields])).toEqual([
      [
        'fence:host3',
        {
          target: 'host3',
          action: 'off',
          status: 'success',
          delegate: 'host1',
          origin: 'host1',
          completed: '2026-11-21 23:34:29Z',
        },
      ],
    ]);
    expect(v.placements[0]?.fields.hosts).toEqual(['host1', 'host2']);
  });

  it('leaves out nodes the inventory does not list, and says a VM absent from Pacemaker is "absent"', () => {
    const renamed = RUNNING.replaceAll('"host3"', '"elsewhere"').replaceAll('"vm2"', '"other"');
    const v = pacemakerView(parseCrmMonXml(renamed), inventory, 'host1');
    expect(v.unknownNodes).toEqual(['elsewhere']);
    expect(v.nodes.map((n) => n.subject)).toEqual(['node:host1', 'node:host2']);
    expect(v.placements[1]?.fields).toEqual({
      hosts: [],
      role: 'absent',
      failed: false,
      resource: 'vm2',
      via: 'host1',
    });
  });
});

describe('PacemakerRecorder: change detection over successive readings', () => {
  it('writes a first observation per subject, then only changes: host3 lost, its fence, a second reading equal to the first writes nothing', () => {
    recorder.answered(reading(RUNNING), 100n);
    recorder.answered(reading(RUNNING), 200n);
    // Another node answering is not a change of the cluster.
    recorder.answered(reading(RUNNING, 'host2'), 300n);
    recorder.answered(reading(AFTER_FENCE), 400n);
    recorder.answered(reading(AFTER_FENCE), 500n);
    const lines = written();
    expect(lines.map((l) => l.split(' ').slice(0, 3).join(' '))).toEqual([
      '100 cluster reachability',
      '100 node:host1 node',
      '100 node:host2 node',
      '100 node:host3 node',
      '100 vm:vm1 placement',
      '100 vm:vm2 placement',
      '400 node:host3 node',
      '400 fence:host3 fence',
    ]);
    expect(lines[6]).toContain('"online":false');
    expect(lines[7]).toContain('"status":"success"');
  });

  it('writes one reading that shows a node lost, its fence and its VM restarted elsewhere in that order (edited: vm1 moved to host2 in the after-fence capture)', () => {
    const moved = AFTER_FENCE.replace(
      /(<resource id="vm1"[^>]*>\s*)<node name="host1" id="1" cached="true"\/>/,
      '$1<node name="host2" id="2" cached="true"/>',
    );
    expect(moved).not.toBe(AFTER_FENCE);
    recorder.answered(reading(RUNNING), 1n);
    recorder.answered(reading(moved), 2n);
    expect(
      written()
        .filter((l) => l.startsWith('2 '))
        .map((l) => l.split(' ').slice(1, 3).join(' ')),
    ).toEqual(['node:host3 node', 'fence:host3 fence', 'vm:vm1 placement']);
  });

  it('writes unreachability once while no node answers, and reachability again when one does', () => {
    recorder.answered(reading(RUNNING), 1n);
    recorder.unanswered('no cluster node answered crm_mon: host1: timeout', 2n);
    recorder.unanswered('no cluster node answered crm_mon: host1: timeout', 3n);
    recorder.answered(reading(RUNNING, 'host2'), 4n);
    const reach = written().filter((l) => l.includes(' reachability '));
    expect(reach).toEqual([
      '1 cluster reachability {"reachable":true}',
      '2 cluster reachability {"reachable":false,"error":"no cluster node answered crm_mon: host1: timeout"}',
      '4 cluster reachability {"reachable":true}',
    ]);
  });

  it('writes a pending fence and then its success as two records (edited: the captured entry made pending first)', () => {
    const pending = AFTER_FENCE.replace(
      'status="success" delegate="host1" completed="2026-11-21 23:34:29Z"',
      'status="pending"',
    );
    expect(pending).not.toBe(AFTER_FENCE);
    recorder.answered(reading(RUNNING), 1n);
    recorder.answered(reading(pending), 2n);
    recorder.answered(reading(pending), 3n);
    recorder.answered(reading(AFTER_FENCE), 4n);
    expect(written().filter((l) => l.includes(' fence '))).toEqual([
      '2 fence:host3 fence {"target":"host3","action":"off","status":"pending","origin":"host1"}',
      '4 fence:host3 fence {"target":"host3","action":"off","status":"success","delegate":"host1","origin":"host1","completed":"2026-11-21 23:34:29Z"}',
    ]);
  });

  it('writes only the newest entry per host of a history that predates the watch (edited: an older failed fence added)', () => {
    const older =
      '<fence_event action="reboot" target="host3" client="stonith_admin.9" origin="host2" status="failed" delegate="host2" completed="2026-11-21 23:10:00Z"/>';
    const two = AFTER_FENCE.replace('<fence_history>', `<fence_history>\n    ${older}`);
    recorder.answered(reading(two), 1n);
    recorder.answered(reading(two), 2n);
    expect(written().filter((l) => l.includes(' fence '))).toEqual([
      '1 fence:host3 fence {"target":"host3","action":"off","status":"success","delegate":"host1","origin":"host1","completed":"2026-11-21 23:34:29Z"}',
    ]);
  });
});

describe('askOrder', () => {
  it('asks the node that answered last first, then the others in inventory order, the ones that failed last', () => {
    expect(askOrder(['host1', 'host2', 'host3'], undefined)).toEqual(['host1', 'host2', 'host3']);
    expect(askOrder(['host1', 'host2', 'host3'], 'host2')).toEqual(['host2', 'host1', 'host3']);
    expect(askOrder(['host1', 'host2'], 'gone')).toEqual(['host1', 'host2']);
    expect(askOrder(['host1', 'host2', 'host3'], 'host3', new Set(['host1']))).toEqual([
      'host3',
      'host2',
      'host1',
    ]);
    // The node that answered before failed since (powered off): the one not tried yet goes first.
    expect(askOrder(['host1', 'host2', 'host3'], 'host1', new Set(['host1', 'host2']))).toEqual([
      'host3',
      'host1',
      'host2',
    ]);
  });
});

describe('WatchEmitter', () => {
  it('refuses fields its vocabulary does not allow, before the timeline gets them', () => {
    const emit = new WatchEmitter(timeline, 'pacemaker');
    expect(() =>
      emit.occurrence(
        'fence',
        'fence:host1',
        { target: 'host1', action: 'off', status: 'done' as 'success' },
        1n,
      ),
    ).toThrow(/status/);
    expect(written()).toEqual([]);
  });
});
