import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { inventorySchema } from '../../inventory/schema.js';
import { QmpDecoder, type QmpEvent, type QmpMessage } from '../../protocols/qmp/framing.js';
import { tempDir } from '../../test/support/temp-dir.js';
import { parseQemuScan } from '../qemu-scan.js';
import { openTimeline, readTimeline, type Timeline } from '../timeline/index.js';
import { observerSocketOf } from './qmp.js';
import { type EventFacts, QmpRecorder } from './qmp-view.js';

/*
 * The QMP watch's records over what a real QEMU 7.2 (TCG) sent on its
 * observer socket (protocols/qmp/fixtures/README.md: qemu-7.2-observer-*):
 * vm1 stopped and continued on host1, then live-migrated host1 -> host2,
 * then both QEMUs quit. The two streams are interleaved in the order of
 * QEMU's own timestamps, each event stamped in that order; the reply the
 * observer got right after an event is that event's facts, as the watch
 * asks them.
 */

const qmpFixture = (name: string) =>
  readFileSync(new URL(`../../protocols/qmp/fixtures/${name}`, import.meta.url), 'utf8');

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
let rec: QmpRecorder;
beforeEach(() => {
  timeline = openTimeline(join(tempDir('havoc-qmp-watch-'), 'timeline.jsonl'));
  rec = new QmpRecorder({ timeline, inventory }, ['host1', 'host2', 'host3']);
});

function written(): string[] {
  timeline.flush();
  return readTimeline(timeline.path).records.flatMap((r) =>
    r.kind === 'watch' ? [`${r.ns} ${r.event} ${r.subject} ${JSON.stringify(r.fields)}`] : [],
  );
}

interface Stream {
  host: string;
  pid: number;
  /** The watch's query-status when it connected. */
  status: { status: string; running: boolean };
  /** Each event with the reply that followed it (its facts). */
  events: { ev: QmpEvent; facts: EventFacts }[];
}

function stream(host: string, pid: number, file: string): Stream {
  const messages: QmpMessage[] = new QmpDecoder().push(qmpFixture(file));
  const returns = messages.filter((m) => m.kind === 'return');
  // havoc-1 qmp_capabilities, havoc-2 migrate-set-capabilities, havoc-3 query-status; then one reply per question.
  const status = returns.find((r) => r.id === 'havoc-3')!.value as Stream['status'];
  const asked = returns.filter((r) => Number(String(r.id).slice(6)) > 3);
  const events: Stream['events'] = [];
  for (const m of messages) {
    if (m.kind !== 'event') continue;
    let facts: EventFacts = {};
    if (m.event === 'STOP') facts = { status: (asked.shift()!.value as { status: string }).status };
    if (m.event === 'MIGRATION' && m.data['status'] === 'completed') {
      const info = asked.shift()!.value as { downtime?: number; 'total-time'?: number };
      facts = {
        ...(info.downtime !== undefined ? { downtimeMs: info.downtime } : {}),
        ...(info['total-time'] !== undefined ? { totalTimeMs: info['total-time'] } : {}),
      };
    }
    events.push({ ev: m, facts });
  }
  return { host, pid, status, events };
}

const usOf = (ev: QmpEvent) => ev.timestamp.seconds * 1e6 + ev.timestamp.microseconds;

describe('parseQemuScan on QEMU_SCAN_SH output captured on a host running QEMUs', () => {
  const scan = parseQemuScan(readFileSync(new URL('./fixtures/qemu-scan.txt', import.meta.url), 'utf8'));

  it('finds each QEMU with its -name and -qmp sockets, and not the scan shell that matched its own grep', () => {
    expect(scan.map((q) => ({ pid: q.pid, name: q.name }))).toEqual([
      { pid: 27106, name: 'vm1' },
      { pid: 27431, name: 'vm1' },
    ]);
    expect(scan[0]!.qmpSockets).toEqual([
      '/run/havoc/qemu-vm/vm1/qmp.sock',
      '/run/havoc/qemu-vm/vm1/qmp-observer.sock',
    ]);
  });

  it("holds the last -qmp socket (the lab's observer socket), never the only one", () => {
    expect(observerSocketOf(scan[0]!)).toBe('/run/havoc/qemu-vm/vm1/qmp-observer.sock');
    expect(observerSocketOf({ pid: 1, name: 'vm1', qmpSockets: ['/run/one.sock'] })).toBeUndefined();
  });
});

describe('QmpRecorder on QMP streams captured from a live migration between two real QEMUs', () => {
  const source = stream('host1', 101, 'qemu-7.2-observer-source.jsonl');
  const target = stream('host2', 202, 'qemu-7.2-observer-target.jsonl');

  function replay(): void {
    let ns = 1_000n;
    const tick = () => (ns += 1_000n);
    for (const h of ['host1', 'host2', 'host3']) rec.scanned(h, new Set(), tick());
    rec.connected('host1', source.pid, 'vm1', source.status, tick());
    // The target QEMU was found by a scan, connected before its migrate-incoming.
    rec.connected('host2', target.pid, 'vm1', target.status, tick());
    const all = [
      ...source.events.map((e) => ({ ...e, s: source })),
      ...target.events.map((e) => ({ ...e, s: target })),
    ].sort((a, b) => usOf(a.ev) - usOf(b.ev));
    for (const { ev, facts, s } of all) {
      const at = tick();
      rec.arrived(s.host, s.pid, ev, at);
      rec.event(s.host, s.pid, 'vm1', ev, at, facts, tick());
    }
    rec.disconnected('host1', source.pid, tick());
    rec.disconnected('host2', target.pid, tick());
  }

  it('writes STOP with its reason, RESUME, every MIGRATION status, SHUTDOWN, in QEMU order; not MIGRATION_PASS', () => {
    replay();
    const life = written()
      .filter((l) => l.includes(' lifecycle '))
      .map((l) => {
        const f = JSON.parse(l.slice(l.indexOf('{'))) as Record<string, unknown>;
        return `${f['host']} ${f['event']}${f['detail'] ? ` ${f['detail']}` : ''}${f['downtimeMs'] !== undefined ? ` downtime=${f['downtimeMs']} total=${f['totalTimeMs']}` : ''}`;
      });
    expect(life).toEqual([
      'host1 query-status running',
      'host2 query-status inmigrate',
      'host1 STOP paused',
      'host1 RESUME',
      'host2 MIGRATION setup',
      'host1 MIGRATION setup',
      'host2 MIGRATION active',
      'host1 MIGRATION active',
      'host1 STOP postmigrate',
      'host1 MIGRATION completed downtime=5 total=27',
      'host2 RESUME',
      'host2 MIGRATION completed',
      'host1 SHUTDOWN host-qmp-quit',
      'host2 SHUTDOWN host-qmp-quit',
    ]);
  });

  it("keeps QEMU's timestamp for display and the PID of the QEMU", () => {
    replay();
    const stop = written().find((l) => l.includes('"event":"STOP"'))!;
    expect(stop).toMatch(/"at":"20\d\d-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z"/);
    expect(stop).toContain('"pid":101');
  });

  it('places vm1 where its guest executes: host1, nowhere while paused and during the switch-over, then host2', () => {
    replay();
    const placements = written()
      .filter((l) => l.includes(' placement '))
      .map((l) => {
        const f = JSON.parse(l.slice(l.indexOf('{'))) as { hosts: string[]; role: string };
        return `${f.hosts.join(',') || '-'} ${f.role}`;
      });
    expect(placements).toEqual([
      'host1 running',
      'host1 running@host1,inmigrate@host2',
      '- paused@host1,inmigrate@host2',
      'host1 running@host1,inmigrate@host2',
      '- paused@host1,inmigrate@host2',
      '- postmigrate@host1,inmigrate@host2',
      'host2 postmigrate@host1,running@host2',
      'host2 shutdown@host1,running@host2',
      '- shutdown@host1,shutdown@host2',
      '- shutdown',
      '- absent',
    ]);
  });

  it("places a STOP when it arrives, refines it with the STOP's reason later, and never undoes a RESUME that came between", () => {
    for (const h of ['host1', 'host2', 'host3']) rec.scanned(h, new Set(), 1n);
    rec.connected('host1', 7, 'vm1', { status: 'running', running: true }, 2n);
    const stop = source.events.find((e) => e.ev.event === 'STOP')!.ev;
    const resume = source.events.find((e) => e.ev.event === 'RESUME')!.ev;
    rec.arrived('host1', 7, stop, 10n);
    rec.arrived('host1', 7, resume, 11n);
    // The query-status asked after the STOP answered only now, and says "paused": older than the RESUME.
    rec.event('host1', 7, 'vm1', stop, 10n, { status: 'paused' }, 12n);
    rec.event('host1', 7, 'vm1', resume, 11n, {}, 13n);
    const placements = written().filter((l) => l.includes(' placement '));
    expect(placements.map((l) => l.split(' ')[0])).toEqual(['2', '10', '11']);
    expect(placements.at(-1)).toContain('"hosts":["host1"],"role":"running"');
  });

  it('writes no placement for a VM it never found (a VirtualDomain VM is not its to place)', () => {
    replay();
    expect(written().some((l) => l.includes('vm:vm2'))).toBe(false);
  });

  it('says nothing before every host was scanned once, then reachability and what a lost host hides', () => {
    rec.scanned('host1', new Set(), 1n);
    rec.connected('host1', 7, 'vm1', { status: 'running', running: true }, 2n);
    expect(written().filter((l) => !l.includes(' lifecycle '))).toEqual([]);
    rec.scanned('host2', new Set(), 3n);
    rec.lost('host3', 'SSH to root@host3 failed: ECONNREFUSED', 4n);
    rec.scanned('host3', new Set(), 5n);
    rec.lost('host1', 'no handshake', 6n);
    const lines = written().filter((l) => !l.includes(' lifecycle '));
    expect(lines).toEqual([
      '4 reachability cluster {"reachable":false,"error":"host3: SSH to root@host3 failed: ECONNREFUSED"}',
      '4 placement vm:vm1 {"hosts":["host1"],"role":"running","failed":false,"resource":"vm1","via":"host3"}',
      '5 reachability cluster {"reachable":true}',
      '6 reachability cluster {"reachable":false,"error":"host1: no handshake"}',
      '6 placement vm:vm1 {"hosts":[],"role":"absent","failed":false,"resource":"vm1","via":"host1"}',
    ]);
  });

  it('a scan that no longer lists a QEMU removes it (it exited while its connection lingered)', () => {
    for (const h of ['host1', 'host2', 'host3']) rec.scanned(h, new Set(), 1n);
    rec.connected('host1', 7, 'vm1', { status: 'running', running: true }, 2n);
    rec.scanned('host1', new Set(), 3n);
    expect(written().at(-1)).toBe(
      '3 placement vm:vm1 {"hosts":[],"role":"absent","failed":false,"resource":"vm1","via":"host1"}',
    );
  });
});
