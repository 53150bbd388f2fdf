import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LineSplitter, lifecycleOf, parseVirshEventLine } from './index.js';

// Captured from virsh 9.0.0 in the HA lab (fixtures/SOURCES.md, "virsh event in the HA lab").
const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

const events = (text: string) =>
  text.split('\n').flatMap((l) => {
    const ev = parseVirshEventLine(l);
    return ev ? [ev] : [];
  });

describe('parseVirshEventLine (virsh event --all --loop --timestamp, libvirt tools/virsh-domain-event.c)', () => {
  it('reads the migration source: every event with its timestamp, lifecycle split into event and detail, job-completed statistics skipped', () => {
    const evs = events(fixture('virsh-event-ha-lab-host1.txt'));
    expect(evs.map((e) => [e.at, e.name, e.domain])).toEqual([
      ['2026-12-01 14:40:43.852+0000', 'migration-iteration', 'vm1'],
      ['2026-12-01 14:40:45.096+0000', 'migration-iteration', 'vm1'],
      ['2026-12-01 14:40:45.097+0000', 'lifecycle', 'vm1'],
      ['2026-12-01 14:40:45.103+0000', 'migration-iteration', 'vm1'],
      ['2026-12-01 14:40:45.512+0000', 'lifecycle', 'vm1'],
      ['2026-12-01 14:40:45.512+0000', 'job-completed', 'vm1'],
      ['2026-12-01 14:41:04.388+0000', 'lifecycle', 'vm1'],
      ['2026-12-01 14:41:04.389+0000', 'lifecycle', 'vm1'],
    ]);
    expect(evs[0]?.details).toBe("iteration: '1'");
    expect(evs[5]?.details).toBeUndefined();
    expect(evs.flatMap((e) => lifecycleOf(e) ?? [])).toEqual([
      { event: 'Suspended', detail: 'Migrated' },
      { event: 'Stopped', detail: 'Migrated' },
      { event: 'Resumed', detail: 'Unpaused' },
      { event: 'Started', detail: 'Booted' },
    ]);
  });

  it('reads the migration target and a user pause', () => {
    const life = events(fixture('virsh-event-ha-lab-host2.txt')).flatMap((e) => lifecycleOf(e) ?? []);
    expect(life.map((l) => `${l.event} ${l.detail}`)).toEqual([
      'Started Migrated',
      'Resumed Migrated',
      'Suspended Paused',
      'Resumed Unpaused',
    ]);
  });

  it('keeps a detail with spaces whole, reads a line without --timestamp, and refuses a mangled event line', () => {
    // The detail string of VIR_DOMAIN_EVENT_SUSPENDED_IOERROR in virsh-domain-event.c.
    const io = parseVirshEventLine(
      "2026-12-01 14:40:45.097+0000: event 'lifecycle' for domain 'vm1': Suspended I/O Error",
    );
    expect(lifecycleOf(io!)).toEqual({ event: 'Suspended', detail: 'I/O Error' });
    expect(parseVirshEventLine("event 'lifecycle' for domain 'vm1': Stopped Destroyed")).toMatchObject({
      at: undefined,
      domain: 'vm1',
    });
    expect(parseVirshEventLine('\toperation: 5')).toBeUndefined();
    expect(parseVirshEventLine('')).toBeUndefined();
    expect(() => parseVirshEventLine("2026-12-01 14:40:45.097+0000: event 'lifecycle' for vm1")).toThrow(
      /virsh event: cannot read "2026-12-01 14:40:45.097\+0000: event 'lifecycle' for vm1"/,
    );
  });
});

describe('LineSplitter', () => {
  it('gives whole lines as chunks arrive, keeping the unfinished tail for the next chunk', () => {
    const s = new LineSplitter();
    expect(s.push("2026-12-01 14:40:43.794+0000: event 'lifecycle' for dom")).toEqual([]);
    expect(s.push("ain 'vm1': Started Migrated\r\nnext")).toEqual([
      "2026-12-01 14:40:43.794+0000: event 'lifecycle' for domain 'vm1': Started Migrated",
    ]);
    expect(s.push(' line\n')).toEqual(['next line']);
  });
});
