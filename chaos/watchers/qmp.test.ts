import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { inventorySchema } from '../../inventory/schema.js';
import { QmpDecoder, type QmpMessage } from '../../protocols/qmp/framing.js';
import { tempDir } from '../../test/support/temp-dir.js';
import { parseQemuScan } from '../qemu-scan.js';
import { openTimeline, readTimeline, type Timeline } from '../timeline/index.js';
import { observerSocketOf } from './qmp.js';
import { missedOnConnect, QmpRecorder, readDowntime } from './qmp-view.js';

/*
 * The QMP watch's records over what a real QEMU 7.2 (TCG) sent on its
 * observer socket (protocols/qmp/fixtures/README.md: qemu-7.2-observer-*):
 * vm1 stopped and continued on host1, then live-migrated host1 -> host2,
 * then both QEMUs quit. Each stream is read line by line in the order QEMU
 * sent it, as the watch reads it: an event is written when it arrives, an
 * answer to what the watch asked (query-migrate and query-status on
 * connect, query-status after a STOP, query-migrate after MIGRATION
 * completed until the downtime is computed) when it arrives. Two streams
 * are interleaved in the order of QEMU's own timestamps (an answer goes
 * with the event before it).
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

/** One line of a captured stream, with the QEMU time it goes with (an answer: the event before it). */
interface Line {
  m: QmpMessage;
  us: number;
}

interface Stream {
  host: string;
  pid: number;
  lines: Line[];
}

function stream(host: string, pid: number, file: string): Stream {
  const lines: Line[] = [];
  let us = 0;
  for (const m of new QmpDecoder().push(qmpFixture(file))) {
    if (m.kind === 'event') us = m.timestamp.seconds * 1e6 + m.timestamp.microseconds;
    if (m.kind === 'event' || m.kind === 'return') lines.push({ m, us });
  }
  return { host, pid, lines };
}

/**
 * Feeds the streams to the recorder as the watch does (chaos/watchers/qmp.ts): ids havoc-1 and havoc-2 are
 * qmp_capabilities and migrate-set-capabilities, then query-migrate (where the capture asked it on connect) and
 * query-status; every later answer is to a question asked after an event (query-status has `running`).
 */
function replay(rec: QmpRecorder, streams: Stream[], vm = 'vm1'): void {
  let ns = 1_000n;
  const tick = () => (ns += 1_000n);
  for (const h of ['host1', 'host2', 'host3']) rec.scanned(h, new Set(), tick());
  const state = new Map<Stream, { migrate: Record<string, unknown>; connected: boolean; queries: number }>();
  for (const s of streams) state.set(s, { migrate: {}, connected: false, queries: 0 });
  const all = streams
    .flatMap((s) => s.lines.map((l, i) => ({ ...l, i, s })))
    .sort((a, b) => a.us - b.us || (a.s === b.s ? a.i - b.i : 0));
  for (const { m, s } of all) {
    const st = state.get(s)!;
    if (m.kind === 'event') {
      rec.event(s.host, s.pid, vm, m, tick());
      continue;
    }
    if (m.kind !== 'return' || m.id === 'havoc-1' || m.id === 'havoc-2') continue;
    const v = m.value as Record<string, unknown>;
    if (!st.connected && !('running' in v)) st.migrate = v;
    else if (!st.connected) {
      st.connected = true;
      rec.connected(
        s.host,
        s.pid,
        vm,
        { status: v as { status: string; running: boolean }, migrate: st.migrate },
        tick(),
      );
    } else if ('running' in v) rec.stopReason(s.host, s.pid, vm, String(v['status']), tick());
    else {
      st.queries += 1;
      const d = readDowntime(v);
      if (d.kind === 'figures') rec.downtime(s.host, s.pid, vm, d, st.queries, tick());
      else if (d.kind === 'unreadable')
        rec.downtime(s.host, s.pid, vm, { notRead: d.why }, st.queries, tick());
      if (d.kind !== 'not-yet') st.queries = 0;
    }
  }
  for (const s of streams) rec.disconnected(s.host, s.pid, tick());
}

const lifeText = (l: string) => {
  const f = JSON.parse(l.slice(l.indexOf('{'))) as Record<string, unknown>;
  return [
    f['host'],
    f['event'],
    f['detail'],
    f['after'] && f['after'] !== 'connect' ? `(after ${f['after']})` : f['after'] ? '(connect)' : undefined,
    f['migration'] ? `migration=${f['migration']}` : undefined,
    f['missed'] ? `missed=${(f['missed'] as string[]).join('+')}` : undefined,
    f['downtimeMs'] !== undefined ? `downtime=${f['downtimeMs']} total=${f['totalTimeMs']}` : undefined,
    f['downtimeNotRead'] ? `not read: ${f['downtimeNotRead']}` : undefined,
    f['queries'] !== undefined ? `queries=${f['queries']}` : undefined,
  ]
    .filter((x) => x !== undefined)
    .join(' ');
};
const lifecycleLines = () =>
  written()
    .filter((l) => l.includes(' lifecycle '))
    .map(lifeText);

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

  it('writes every event as it arrives, and what it asked as records of their own, in the order QEMU sent them; not MIGRATION_PASS', () => {
    replay(rec, [source, target]);
    expect(lifecycleLines()).toEqual([
      'host1 query-status running (connect)',
      'host2 query-status inmigrate (connect)',
      'host1 STOP',
      'host1 query-status paused (after STOP)',
      'host1 RESUME',
      'host2 MIGRATION setup',
      'host1 MIGRATION setup',
      'host2 MIGRATION active',
      'host1 MIGRATION active',
      'host1 STOP',
      'host1 MIGRATION completed',
      'host1 query-status postmigrate (after STOP)',
      'host1 query-migrate completed (after MIGRATION completed) downtime=5 total=27 queries=1',
      'host2 RESUME',
      'host2 MIGRATION completed',
      'host1 SHUTDOWN host-qmp-quit',
      'host2 SHUTDOWN host-qmp-quit',
    ]);
    // Stamped in the order they were seen: the timeline's order.
    const ns = written().map((l) => BigInt(l.split(' ')[0]!));
    expect(ns).toEqual([...ns].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  });

  it("keeps QEMU's timestamp for display and the PID of the QEMU", () => {
    replay(rec, [source, target]);
    const stop = written().find((l) => l.includes('"event":"STOP"'))!;
    expect(stop).toMatch(/"at":"20\d\d-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z"/);
    expect(stop).toContain('"pid":101');
  });

  it('places vm1 where its guest executes: host1, nowhere while paused and during the switch-over, then host2', () => {
    replay(rec, [source, target]);
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
    rec.connected('host1', 7, 'vm1', { status: { status: 'running', running: true }, migrate: {} }, 2n);
    const events = source.lines.flatMap((l) => (l.m.kind === 'event' ? [l.m] : []));
    rec.event('host1', 7, 'vm1', events.find((e) => e.event === 'STOP')!, 10n);
    rec.event('host1', 7, 'vm1', events.find((e) => e.event === 'RESUME')!, 11n);
    // The query-status asked after the STOP answered only now, and says "paused": older than the RESUME.
    rec.stopReason('host1', 7, 'vm1', 'paused', 12n);
    const placements = written().filter((l) => l.includes(' placement '));
    expect(placements.map((l) => l.split(' ')[0])).toEqual(['2', '10', '11']);
    expect(placements.at(-1)).toContain('"hosts":["host1"],"role":"running"');
  });

  it('writes no placement for a VM it never found (a VirtualDomain VM is not its to place)', () => {
    replay(rec, [source, target]);
    expect(written().some((l) => l.includes('vm:vm2'))).toBe(false);
  });

  it('says nothing before every host was scanned once, then reachability and what a lost host hides', () => {
    rec.scanned('host1', new Set(), 1n);
    rec.connected('host1', 7, 'vm1', { status: { status: 'running', running: true }, migrate: {} }, 2n);
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
    rec.connected('host1', 7, 'vm1', { status: { status: 'running', running: true }, migrate: {} }, 2n);
    rec.scanned('host1', new Set(), 3n);
    expect(written().at(-1)).toBe(
      '3 placement vm:vm1 {"hosts":[],"role":"absent","failed":false,"resource":"vm1","via":"host1"}',
    );
  });
});

describe("QEMU 7.2's downtime, asked again until computed (captured: qemu-7.2-observer-downtime-race-*)", () => {
  const source = stream('host1', 101, 'qemu-7.2-observer-downtime-race-source.jsonl');
  const target = stream('host2', 202, 'qemu-7.2-observer-downtime-race-target.jsonl');
  const answers = source.lines.flatMap((l) =>
    l.m.kind === 'return' && (l.m.value as Record<string, unknown>)['status'] === 'completed'
      ? [l.m.value]
      : [],
  );

  it('reads the first answer after MIGRATION completed (total-time 0, downtime 0, run state finish-migrate) as not yet computed, the next as figures', () => {
    expect(answers.map(readDowntime)).toEqual([
      { kind: 'not-yet' },
      { kind: 'figures', downtimeMs: 2, totalTimeMs: 7 },
    ]);
    const stopReason = source.lines.find(
      (l) => l.m.kind === 'return' && (l.m.value as Record<string, unknown>)['running'] === false,
    )!.m;
    expect(stopReason.kind === 'return' && (stopReason.value as { status: string }).status).toBe(
      'finish-migrate',
    );
  });

  it('writes the downtime once, as QEMU computed it, after the second query-migrate; never a 0 that was not measured', () => {
    replay(rec, [source, target]);
    const lines = lifecycleLines();
    expect(lines.filter((l) => l.includes('query-migrate'))).toEqual([
      'host1 query-migrate completed (after MIGRATION completed) downtime=2 total=7 queries=2',
    ]);
    expect(written().some((l) => l.includes('"downtimeMs":0'))).toBe(false);
  });

  it('writes no downtime for the incoming side (its query-migrate has no total-time) and says why for an answer that is not completed', () => {
    const incoming = target.lines.flatMap((l) =>
      l.m.kind === 'return' && (l.m.value as Record<string, unknown>)['status'] === 'completed'
        ? [l.m.value]
        : [],
    );
    expect(incoming.map(readDowntime)).toEqual([{ kind: 'incoming' }]);
    const failed = new QmpDecoder()
      .push(qmpFixture('qemu-7.2-migration-failed-source.jsonl'))
      .flatMap((m) =>
        m.kind === 'return' && (m.value as Record<string, unknown>)['status'] === 'failed' ? [m.value] : [],
      );
    expect(readDowntime(failed[0])).toEqual({ kind: 'unreadable', why: 'query-migrate says failed' });
  });

  it('a downtime that could not be read is written as not read, with no number', () => {
    for (const h of ['host1', 'host2', 'host3']) rec.scanned(h, new Set(), 1n);
    rec.downtime(
      'host1',
      7,
      'vm1',
      { notRead: 'the QMP connection closed (QEMU PID 7 quit) before QEMU had computed the downtime' },
      3,
      2n,
    );
    expect(lifecycleLines()).toEqual([
      'host1 query-migrate completed (after MIGRATION completed) not read: the QMP connection closed (QEMU PID 7 quit) before QEMU had computed the downtime queries=3',
    ]);
  });
});

describe('a target QEMU found after its migrate-incoming (captured: qemu-7.2-observer-late-*, observer connected mid-migration)', () => {
  const source = stream('host1', 101, 'qemu-7.2-observer-late-source.jsonl');
  const target = stream('host2', 202, 'qemu-7.2-observer-late-target.jsonl');

  it("says on connect what it missed (query-migrate's status active: MIGRATION setup and active), then records what follows", () => {
    replay(rec, [source, target]);
    expect(lifecycleLines().filter((l) => l.startsWith('host2'))).toEqual([
      'host2 query-status inmigrate (connect) migration=active missed=MIGRATION setup+MIGRATION active',
      'host2 RESUME',
      'host2 MIGRATION completed',
      'host2 SHUTDOWN host-qmp-quit',
    ]);
    expect(lifecycleLines().filter((l) => l.startsWith('host1 query-migrate'))).toEqual([
      'host1 query-migrate completed (after MIGRATION completed) downtime=4 total=2914 queries=1',
    ]);
  });

  it('counts the events that came before the answer as seen, and names RESUME when an incoming migration had completed before it connected', () => {
    const status = { status: 'running', running: true };
    expect(missedOnConnect({ status, migrate: { status: 'completed' } }, new Set())).toEqual([
      'MIGRATION setup',
      'MIGRATION active',
      'MIGRATION completed',
      'RESUME',
    ]);
    expect(
      missedOnConnect(
        { status: { status: 'inmigrate', running: false }, migrate: { status: 'active' } },
        new Set(['MIGRATION setup', 'MIGRATION active']),
      ),
    ).toEqual([]);
    // The source of a completed migration reports total-time: its RESUME is not the incoming side's.
    expect(
      missedOnConnect(
        {
          status: { status: 'postmigrate', running: false },
          migrate: { status: 'completed', 'total-time': 7 },
        },
        new Set(),
      ),
    ).toEqual(['MIGRATION setup', 'MIGRATION active', 'MIGRATION completed']);
    expect(missedOnConnect({ status, migrate: {} }, new Set())).toEqual([]);
  });
});
