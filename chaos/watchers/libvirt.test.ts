import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { beforeEach, describe, expect, it } from 'vitest';
import { inventorySchema } from '../../inventory/schema.js';
import { tempDir } from '../../test/support/temp-dir.js';
import { openTimeline, readTimeline, type Timeline } from '../timeline/index.js';
import { LibvirtRecorder } from './libvirt.js';

/*
 * The libvirt watch's records over virsh output captured in the HA lab
 * (protocols/libvirt/fixtures/SOURCES.md): vm1 live-migrated host1 -> host2,
 * then host2 powered off and its VMs restarted (vm1 on host1, vm2 on host3).
 * Each host's stream is fed as its SSH channel delivered it; across hosts the
 * lines are interleaved in the order of libvirt's own timestamps.
 */

const fixture = (name: string) =>
  readFileSync(new URL(`../../protocols/libvirt/fixtures/${name}`, import.meta.url), 'utf8');
const LIST_AFTER_MOVE = fixture('virsh-list-ha-lab-host2.txt');
// Edits of the captured list: only vm1 (host1 before the move), only vm2 (host2 before it), none (host3).
const listOf = (rows: string[]) =>
  LIST_AFTER_MOVE.split('\n')
    .filter((l, i) => i < 2 || rows.some((r) => l.includes(` ${r} `)))
    .join('\n');

const inventory = inventorySchema.parse({
  version: 1,
  cluster: { name: 'lab' },
  hosts: ['host1', 'host2', 'host3'].map((name, i) => ({
    name,
    address: `198.18.0.${i + 1}`,
    memoryMiB: 4096,
    vcpus: 4,
  })),
  haManager: { type: 'pacemaker' },
  vms: [
    { name: 'vm1', memoryMiB: 256, vcpus: 1, homeHost: 'host1' },
    { name: 'vm2', memoryMiB: 256, vcpus: 1, homeHost: 'host2' },
  ],
});

let timeline: Timeline;
let rec: LibvirtRecorder;
beforeEach(() => {
  timeline = openTimeline(join(tempDir('havoc-libvirt-watch-'), 'timeline.jsonl'));
  rec = new LibvirtRecorder({ timeline, log: pino({ level: 'silent' }), inventory }, [
    'host1',
    'host2',
    'host3',
  ]);
});

function written(): string[] {
  timeline.flush();
  return readTimeline(timeline.path).records.flatMap((r) =>
    r.kind === 'watch' ? [`${r.ns} ${r.subject} ${r.event} ${JSON.stringify(r.fields)}`] : [],
  );
}

/** Every line of the three captured streams, as [host, line], in libvirt's timestamp order. */
function capturedLines(): [string, string][] {
  const all = ['host1', 'host2', 'host3'].flatMap((h) =>
    fixture(`virsh-event-ha-lab-${h}.txt`)
      .split('\n')
      .map((l) => [h, l] as [string, string]),
  );
  // Statistic lines (tab-indented) stay behind the event line they belong to: a stable sort on the stamp.
  let last = '';
  const stamped = all.map(([h, l]) => {
    if (/^\d{4}-/.test(l)) last = l.slice(0, 28);
    return { h, l, at: last };
  });
  return stamped.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0)).map((x) => [x.h, `${x.l}\n`]);
}

describe('LibvirtRecorder on virsh output captured in the HA lab', () => {
  it('writes nothing before every host was read once, then reachability and a placement per VM', () => {
    rec.listed('host1', listOf(['vm1']), 1n);
    rec.listed('host2', listOf(['vm2']), 2n);
    expect(written()).toEqual([]);
    rec.listed('host3', listOf([]), 3n);
    expect(written()).toEqual([
      '3 cluster reachability {"reachable":true}',
      '3 vm:vm1 placement {"hosts":["host1"],"role":"running","failed":false,"resource":"vm1","via":"host3"}',
      '3 vm:vm2 placement {"hosts":["host2"],"role":"running","failed":false,"resource":"vm2","via":"host3"}',
    ]);
  });

  it('places nothing while no host has a libvirtd (VMs run by ocf:havoc:qemu-vm): the QMP watcher places those', () => {
    const why =
      "virsh list on host1 exited with 1: error: Failed to connect socket to '/var/run/libvirt/libvirt-sock'";
    for (const [i, h] of ['host1', 'host2', 'host3'].entries()) rec.lost(h, why, BigInt(i + 1));
    expect(written().map((l) => l.split(' ').slice(0, 3).join(' '))).toEqual(['3 cluster reachability']);
  });

  it('follows the live migration from both ends: the incoming domain is paused until it resumes, then the source stops', () => {
    rec.listed('host1', listOf(['vm1']), 1n);
    rec.listed('host2', listOf(['vm2']), 1n);
    rec.listed('host3', listOf([]), 1n);
    const before = written().length;
    let ns = 10n;
    // Up to the suspend/resume on host2 (14:40:49), i.e. the migration only.
    for (const [host, line] of capturedLines().filter(([, l]) => l < '2026-12-01 14:40:49')) {
      rec.stream(host, line, ns++);
    }
    expect(
      written()
        .slice(before)
        .map((l) => l.replace(/^\d+ /, '')),
    ).toEqual([
      'vm:vm1 lifecycle {"host":"host2","event":"Started","detail":"Migrated","at":"2026-12-01 14:40:43.794+0000"}',
      'vm:vm1 placement {"hosts":["host1"],"role":"running@host1,paused@host2","failed":false,"resource":"vm1","via":"host2"}',
      'vm:vm1 lifecycle {"host":"host1","event":"Suspended","detail":"Migrated","at":"2026-12-01 14:40:45.097+0000"}',
      // Paused on both ends: the migration's downtime, the guest runs nowhere.
      'vm:vm1 placement {"hosts":[],"role":"paused@host1,paused@host2","failed":false,"resource":"vm1","via":"host1"}',
      'vm:vm1 lifecycle {"host":"host2","event":"Resumed","detail":"Migrated","at":"2026-12-01 14:40:45.270+0000"}',
      'vm:vm1 placement {"hosts":["host2"],"role":"paused@host1,running@host2","failed":false,"resource":"vm1","via":"host2"}',
      'vm:vm1 lifecycle {"host":"host1","event":"Stopped","detail":"Migrated","at":"2026-12-01 14:40:45.512+0000"}',
      'vm:vm1 placement {"hosts":["host2"],"role":"running","failed":false,"resource":"vm1","via":"host1"}',
    ]);
  });

  it('a host whose stream ends is unknown, not empty: unreachable naming it, its VMs placed nowhere until they restart elsewhere; it is read again on reconnect', () => {
    rec.listed('host1', listOf(['vm1']), 1n);
    rec.listed('host2', listOf(['vm2']), 1n);
    rec.listed('host3', listOf([]), 1n);
    let ns = 10n;
    for (const [host, line] of capturedLines().filter(([, l]) => l < '2026-12-01 14:41'))
      rec.stream(host, line, ns++);
    const before = written().length;
    rec.lost(
      'host2',
      'SSH connection to root@host2 (198.18.40.12:22) was lost while running virsh event',
      100n,
    );
    for (const [host, line] of capturedLines().filter(([, l]) => l >= '2026-12-01 14:41'))
      rec.stream(host, line, ns++);
    rec.listed('host2', listOf([]), 200n);
    const after = written()
      .slice(before)
      .filter((l) => !l.includes(' lifecycle '));
    expect(after).toEqual([
      '100 cluster reachability {"reachable":false,"error":"host2: SSH connection to root@host2 (198.18.40.12:22) was lost while running virsh event"}',
      '100 vm:vm1 placement {"hosts":[],"role":"absent","failed":false,"resource":"vm1","via":"host2"}',
      '100 vm:vm2 placement {"hosts":[],"role":"absent","failed":false,"resource":"vm2","via":"host2"}',
      expect.stringMatching(/^\d+ vm:vm1 placement \{"hosts":\["host1"\],"role":"running"/),
      expect.stringMatching(/^\d+ vm:vm2 placement \{"hosts":\["host3"\],"role":"running"/),
      '200 cluster reachability {"reachable":true}',
    ]);
  });
});
