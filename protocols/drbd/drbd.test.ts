import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  DRBD_CONNECTION_STATES,
  DRBD_DISK_STATES,
  DRBD_REPLICATION_STATES,
  DRBD_ROLES,
  drbdStatusToPeerVolumes,
  events2ToPeerVolumes,
  parseDrbdStatusJson,
  parseEvents2,
  parseEvents2Line,
  parseProcDrbd,
  procDrbdToPeerVolumes,
} from './index.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

describe('DRBD 9 drbdsetup status --json', () => {
  it('parses a healthy two-resource status (ClusterLabs/ha_cluster_exporter test/fake_drbdsetup.sh)', () => {
    const resources = parseDrbdStatusJson(fixture('status-json-9-healthy.json'));
    expect(resources.map((r) => r.name)).toEqual(['1-single-0', '1-single-1']);
    const vols = drbdStatusToPeerVolumes(resources);
    expect(vols).toHaveLength(2);
    expect(vols[0]).toEqual({
      resource: '1-single-0',
      volume: 0,
      minor: 2,
      peer: 'SLE15-sp1-gm-drbd1145296-node1',
      role: 'Secondary',
      peerRole: 'Primary',
      connectionState: 'Connected',
      diskState: 'UpToDate',
      peerDiskState: 'UpToDate',
      replicationState: 'Established',
      outOfSyncBytes: 0,
      resyncPercent: undefined,
      splitBrain: false,
    });
    expect(vols[1]?.minor).toBe(3);
  });

  it('rejects an unknown state and non-JSON with the field named', () => {
    const bad = fixture('status-json-9-healthy.json').replace(
      '"connection-state": "Connected"',
      '"connection-state": "Sleeping"',
    );
    expect(() => parseDrbdStatusJson(bad)).toThrow(/field 0\.connections\.0\.connection-state/);
    expect(() => parseDrbdStatusJson("drbdsetup: unrecognized option '--json'")).toThrow(/not JSON/);
  });
});

describe('DRBD 9 drbdsetup events2', () => {
  it('folds a --statistics --now dump into per-peer volumes (LINBIT/linbit-documentation UG9 s-drbdsetup-events2)', () => {
    const events = parseEvents2(fixture('events2-9-statistics.txt'));
    expect(events.at(-1)).toEqual({ timestamp: undefined, action: 'exists', object: '-', fields: {} });
    const vols = events2ToPeerVolumes(events);
    expect(vols.map((v) => [v.resource, v.volume, v.minor, v.peer])).toEqual([
      ['r0', 0, 7, 'remote-host'],
      ['r0', 1, 8, 'remote-host'],
    ]);
    for (const v of vols) {
      expect(v).toMatchObject({
        role: 'Secondary',
        peerRole: 'Secondary',
        connectionState: 'Connected',
        diskState: 'UpToDate',
        peerDiskState: 'UpToDate',
        replicationState: 'Established',
        outOfSyncBytes: 0,
        splitBrain: false,
      });
    }
  });

  it('reads a resync with timestamps, out-of-sync KiB*1024 (LINBIT/drbdtop pkg/update/update_test.go)', () => {
    const vols = events2ToPeerVolumes(parseEvents2(fixture('events2-9-resync-drbdtop.txt')));
    expect(vols).toHaveLength(1);
    expect(vols[0]).toMatchObject({
      resource: 'test0',
      peer: 'peer',
      role: 'Primary',
      replicationState: 'SyncSource',
      peerDiskState: 'Inconsistent',
      outOfSyncBytes: 205655500 * 1024,
      splitBrain: false,
    });
  });

  it('reports StandAlone as split brain and keeps following changes (UG9 real-time monitoring example)', () => {
    const dump = parseEvents2(fixture('events2-9-statistics.txt'));
    const changes = parseEvents2(fixture('events2-9-standalone.txt'));
    const standAlone = events2ToPeerVolumes([...dump, ...changes.slice(0, 1)]);
    expect(standAlone.every((v) => v.connectionState === 'StandAlone' && v.splitBrain)).toBe(true);
    const connecting = events2ToPeerVolumes([...dump, ...changes]);
    expect(connecting.every((v) => v.connectionState === 'Connecting' && !v.splitBrain)).toBe(true);
  });

  it('marks split brain from a split-brain helper call even while Connecting', () => {
    const dump = parseEvents2(fixture('events2-9-statistics.txt'));
    const changes = parseEvents2(fixture('events2-9-standalone.txt'));
    // Line format of print_event() for helper calls in drbd-utils user/v9/drbdsetup.c.
    const helper = parseEvents2Line(
      'call helper name:r0 peer-node-id:1 conn-name:remote-host volume:0 helper:split-brain',
    );
    const vols = events2ToPeerVolumes([...dump, helper, ...changes]);
    expect(vols.every((v) => v.splitBrain && v.connectionState === 'Connecting')).toBe(true);
  });

  it('parses path addresses that contain colons and rejects garbage with the line number', () => {
    const path = parseEvents2Line(
      'change path name:foo peer-node-id:3 conn-name:bar local:ipv4:1.2.3.4:7020 peer:ipv4:1.2.3.5:7020 established:yes',
    );
    expect(path.fields['local']).toBe('ipv4:1.2.3.4:7020');
    expect(() => parseEvents2('exists resource name:r0 role:Secondary\nhello world\n')).toThrow(
      /events2 line 2: expected "<exists\|create\|change\|destroy\|call\|response> <object>/,
    );
    expect(() =>
      events2ToPeerVolumes(parseEvents2('exists connection name:r0 conn-name:x connection:Linked')),
    ).toThrow(/expected a DRBD connection state/);
  });
});

describe('DRBD 8.4 /proc/drbd', () => {
  it('parses three healthy devices (LINBIT/linbit-documentation UG8.4 s-proc-drbd)', () => {
    const proc = parseProcDrbd(fixture('proc-drbd-84-healthy.txt'));
    expect(proc.version).toBe('8.4.0');
    expect(proc.isDrbd9).toBe(false);
    expect(proc.devices.map((d) => [d.minor, d.role, d.peerRole, d.protocol, d.writeOrdering])).toEqual([
      [0, 'Secondary', 'Secondary', 'C', 'b'],
      [1, 'Primary', 'Secondary', 'C', 'b'],
      [2, 'Secondary', 'Primary', 'C', 'b'],
    ]);
    expect(proc.devices[0]?.diskReadBytes).toBe(656 * 1024);
    expect(procDrbdToPeerVolumes(proc)[0]?.replicationState).toBe('Established');
  });

  it('parses a SyncSource resync at 57.3% (chef-boneyard/chef-web-docs-2016 includes_server_ha_drbd_scenario_1and2.rst)', () => {
    const [dev] = parseProcDrbd(fixture('proc-drbd-84-resync-source.txt')).devices;
    expect(dev?.cs).toBe('SyncSource');
    expect(dev?.connectionState).toBe('Connected');
    expect(dev?.replicationState).toBe('SyncSource');
    expect(dev?.peerDiskState).toBe('Inconsistent');
    expect(dev?.outOfSyncBytes).toBe(1121600 * 1024);
    // nr is KiB too (node_exporter multiplies it by 1, a known bug).
    expect(dev?.receivedBytes).toBe(64 * 1024);
    expect(dev?.resync).toEqual({
      kind: 'sync',
      percent: 57.3,
      remainingBytes: 1121600 * 1024,
      totalBytes: 2613068 * 1024,
      finishSeconds: 32,
      speedBytesPerSecond: 34328 * 1024,
      wantBytesPerSecond: undefined,
    });
    const [vol] = procDrbdToPeerVolumes(
      parseProcDrbd(fixture('proc-drbd-84-resync-source.txt')),
      () => 'pc0',
    );
    expect(vol).toMatchObject({ resource: 'pc0', resyncPercent: 57.3, splitBrain: false });
  });

  it('parses a SyncTarget with want: and no version line (same chef-web-docs file)', () => {
    const [dev] = parseProcDrbd(fixture('proc-drbd-84-resync-target.txt')).devices;
    expect(dev?.role).toBe('Secondary');
    expect(dev?.diskState).toBe('Inconsistent');
    expect(dev?.resync?.percent).toBe(36.3);
    expect(dev?.resync?.finishSeconds).toBe(47);
    expect(dev?.resync?.wantBytesPerSecond).toBe(44520 * 1024);
  });

  it('parses StandAlone after split brain, without a protocol letter (hoangdh/ghichep-DRBD Split-Brain.md)', () => {
    const proc = parseProcDrbd(fixture('proc-drbd-84-split-brain.txt'));
    const [dev] = proc.devices;
    expect(dev?.protocol).toBeUndefined();
    expect(dev?.ioFlags).toBe('r-----');
    expect(dev?.peerRole).toBe('Unknown');
    expect(dev?.peerDiskState).toBe('DUnknown');
    const [vol] = procDrbdToPeerVolumes(proc);
    expect(vol).toMatchObject({
      connectionState: 'StandAlone',
      replicationState: 'Off',
      splitBrain: true,
      outOfSyncBytes: 102400,
    });
  });

  it('recognises DRBD 9 /proc/drbd (version lines only; prometheus/node_exporter#1814)', () => {
    const proc = parseProcDrbd(
      'version: 9.0.22-2 (api:2/proto:86-116)\nGIT-hash: 719792f2cc1360c65c848ffdb66090959e27fde5 build by mockbuild@, 2020-04-05 03:16:50\nTransports (api:16): tcp (9.0.22-2)\n',
    );
    expect(proc).toEqual({ version: '9.0.22-2', isDrbd9: true, devices: [] });
  });

  it('rejects malformed lines with their number', () => {
    const bad = fixture('proc-drbd-84-healthy.txt').replace('oos:0', 'oos:zero');
    expect(() => parseProcDrbd(bad)).toThrow(/\/proc\/drbd line 4: expected an integer for "oos"/);
    expect(() => parseProcDrbd(' 0: cs:Connected ro:Boss/Secondary ds:UpToDate/UpToDate C r-----')).toThrow(
      /line 1: expected a DRBD role/,
    );
    expect(() => parseProcDrbd('hello')).toThrow(/line 1: expected a "version:" line or a device line/);
  });
});

describe('state enumerations', () => {
  it('lists every state once, for one-hot exporters', () => {
    for (const list of [DRBD_ROLES, DRBD_CONNECTION_STATES, DRBD_DISK_STATES, DRBD_REPLICATION_STATES]) {
      expect(new Set(list).size).toBe(list.length);
    }
    expect(DRBD_CONNECTION_STATES).toContain('StandAlone');
    expect(DRBD_REPLICATION_STATES).toHaveLength(15);
    expect(DRBD_DISK_STATES).toHaveLength(10);
  });
});
