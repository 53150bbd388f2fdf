import { HavocError } from '../../core/errors.js';
import {
  DRBD_DISK_STATES,
  DRBD_REPLICATION_STATES,
  DRBD_ROLES,
  type DrbdConnectionState,
  type DrbdDiskState,
  type DrbdPeerVolume,
  type DrbdReplicationState,
  type DrbdRole,
  enumValue,
  KIB,
} from './states.js';

// 8.4 "cs:" merges connection and replication state (drbd_strings.c conns[]).
const CS_84_CONNECTION: Record<string, DrbdConnectionState> = {
  StandAlone: 'StandAlone',
  Disconnecting: 'Disconnecting',
  Unconnected: 'Unconnected',
  Timeout: 'Timeout',
  BrokenPipe: 'BrokenPipe',
  NetworkFailure: 'NetworkFailure',
  ProtocolError: 'ProtocolError',
  TearDown: 'TearDown',
  // DRBD 9 renamed these waiting states to Connecting.
  WFConnection: 'Connecting',
  WFReportParams: 'Connecting',
};

export interface ProcDrbdResync {
  /** "sync'ed" for a resync, "verified" for an online verify. */
  kind: 'sync' | 'verify';
  percent: number;
  remainingBytes: number;
  totalBytes: number;
  finishSeconds: number | undefined;
  speedBytesPerSecond: number | undefined;
  wantBytesPerSecond: number | undefined;
}

export interface ProcDrbdDevice {
  minor: number;
  /** The raw 8.4 "cs:" value, e.g. SyncSource or WFConnection. */
  cs: string;
  connectionState: DrbdConnectionState;
  replicationState: DrbdReplicationState;
  role: DrbdRole;
  peerRole: DrbdRole;
  diskState: DrbdDiskState;
  peerDiskState: DrbdDiskState;
  /** Replication protocol A/B/C; absent while StandAlone. */
  protocol: 'A' | 'B' | 'C' | undefined;
  ioFlags: string | undefined;
  sentBytes: number | undefined;
  receivedBytes: number | undefined;
  diskWrittenBytes: number | undefined;
  diskReadBytes: number | undefined;
  outOfSyncBytes: number | undefined;
  writeOrdering: string | undefined;
  /** Every numeric counter as printed (KiB for ns/nr/dw/dr/oos, counts otherwise). */
  counters: Record<string, number>;
  resync: ProcDrbdResync | undefined;
}

export interface ProcDrbd {
  version: string | undefined;
  /** DRBD 9 keeps only version lines in /proc/drbd; its state comes from drbdsetup. */
  isDrbd9: boolean;
  devices: ProcDrbdDevice[];
}

const DEVICE_LINE =
  /^(\d+): cs:(\S+)(?: (?:ro|st):(\S+)\/(\S+) ds:(\S+)\/(\S+))?(?:\s+([ABC]))?(?:\s+([-a-z]{4,7}))?$/;
const PROGRESS_LINE = /^\[[=>.]*\] (sync'ed|verified):\s*([\d.]+)% \((\d+)\/(\d+)\)([KM])$/;
const FINISH_LINE =
  /^finish: (\d+):(\d{2}):(\d{2}) speed: ([\d,]+) \(([\d,]+)\)(?: -- \([\d,]+\))?(?: want: ([\d,]+))? K\/sec/;

const int = (s: string) => Number(s.replaceAll(',', ''));

function fail(lineNo: number, line: string, expected: string): never {
  throw new HavocError(
    'drbd-parse',
    `/proc/drbd line ${lineNo}: expected ${expected}, got ${JSON.stringify(line.trim())}`,
  );
}

/** Parses DRBD 8.x /proc/drbd (drbd_proc.c). Unconfigured minors are skipped. */
export function parseProcDrbd(text: string): ProcDrbd {
  const out: ProcDrbd = { version: undefined, isDrbd9: false, devices: [] };
  let current: ProcDrbdDevice | undefined;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] ?? '';
    const line = raw.trim();
    const lineNo = i + 1;
    if (line === '') continue;
    if (line.startsWith('version:')) {
      out.version = line.slice('version:'.length).trim().split(' ')[0];
      out.isDrbd9 = /^(9|[1-9]\d)\./.test(out.version ?? '');
      continue;
    }
    if (/^(GIT-hash|srcversion|Transports \(api:\d+\)):/.test(line)) continue;

    if (/^\d+: cs:/.test(line)) {
      current = undefined;
      const m = DEVICE_LINE.exec(line);
      if (!m)
        fail(lineNo, line, 'a device line "N: cs:<state> ro:<role>/<role> ds:<disk>/<disk> [A|B|C] <flags>"');
      const [, minor, cs = '', ro, peerRo, ds, peerDs, protocol, flags] = m;
      if (cs === 'Unconfigured') continue;
      if (ro === undefined || peerRo === undefined || ds === undefined || peerDs === undefined) {
        fail(lineNo, line, 'ro: and ds: after a configured cs:');
      }
      const where = `/proc/drbd line ${lineNo}`;
      let connectionState: DrbdConnectionState;
      let replicationState: DrbdReplicationState;
      if (cs === 'Connected') {
        connectionState = 'Connected';
        replicationState = 'Established';
      } else if (CS_84_CONNECTION[cs]) {
        connectionState = CS_84_CONNECTION[cs];
        replicationState = 'Off';
      } else {
        connectionState = 'Connected';
        replicationState = enumValue(DRBD_REPLICATION_STATES, cs, 'connection state (cs:)', where);
      }
      current = {
        minor: Number(minor),
        cs,
        connectionState,
        replicationState,
        role: enumValue(DRBD_ROLES, ro, 'role', where),
        peerRole: enumValue(DRBD_ROLES, peerRo, 'role', where),
        diskState: enumValue(DRBD_DISK_STATES, ds, 'disk state', where),
        peerDiskState: enumValue(DRBD_DISK_STATES, peerDs, 'disk state', where),
        protocol: protocol as 'A' | 'B' | 'C' | undefined,
        ioFlags: flags,
        sentBytes: undefined,
        receivedBytes: undefined,
        diskWrittenBytes: undefined,
        diskReadBytes: undefined,
        outOfSyncBytes: undefined,
        writeOrdering: undefined,
        counters: {},
        resync: undefined,
      };
      out.devices.push(current);
      continue;
    }

    if (!current) fail(lineNo, line, 'a "version:" line or a device line "N: cs:..."');

    if (/^ns:/.test(line)) {
      for (const word of line.split(/\s+/)) {
        const m = /^([a-z]+):(\S+)$/.exec(word);
        if (!m) fail(lineNo, line, `key:value counters, not ${JSON.stringify(word)}`);
        const [, key = '', value = ''] = m;
        if (key === 'wo') {
          current.writeOrdering = value;
          continue;
        }
        if (!/^\d+$/.test(value)) fail(lineNo, line, `an integer for "${key}"`);
        current.counters[key] = Number(value);
      }
      const kib = (k: string) => (current?.counters[k] === undefined ? undefined : current.counters[k] * KIB);
      current.sentBytes = kib('ns');
      current.receivedBytes = kib('nr');
      current.diskWrittenBytes = kib('dw');
      current.diskReadBytes = kib('dr');
      current.outOfSyncBytes = kib('oos');
      continue;
    }

    const progress = PROGRESS_LINE.exec(line);
    if (progress) {
      const [, kind, percent = '', left = '', total = '', unit] = progress;
      const scale = unit === 'M' ? KIB * KIB : KIB;
      current.resync = {
        kind: kind === 'verified' ? 'verify' : 'sync',
        percent: Number(percent),
        remainingBytes: Number(left) * scale,
        totalBytes: Number(total) * scale,
        finishSeconds: undefined,
        speedBytesPerSecond: undefined,
        wantBytesPerSecond: undefined,
      };
      continue;
    }
    const finish = FINISH_LINE.exec(line);
    if (finish && current.resync) {
      const [, h = '0', mi = '0', s = '0', speed = '0', , want] = finish;
      current.resync.finishSeconds = Number(h) * 3600 + Number(mi) * 60 + Number(s);
      current.resync.speedBytesPerSecond = int(speed) * KIB;
      current.resync.wantBytesPerSecond = want === undefined ? undefined : int(want) * KIB;
      continue;
    }
    fail(lineNo, line, 'counters "ns:...", a resync progress line "[==>..] sync\'ed: N%" or "finish: ..."');
  }
  if (out.version === undefined && out.devices.length === 0) {
    throw new HavocError(
      'drbd-parse',
      '/proc/drbd: expected a "version:" line or device lines, found neither',
    );
  }
  return out;
}

export function procDrbdToPeerVolumes(
  proc: ProcDrbd,
  resourceOfMinor?: (minor: number) => string,
): DrbdPeerVolume[] {
  return proc.devices.map((d) => ({
    resource: resourceOfMinor?.(d.minor) ?? `drbd${d.minor}`,
    volume: 0,
    minor: d.minor,
    peer: 'peer',
    role: d.role,
    peerRole: d.peerRole,
    connectionState: d.connectionState,
    diskState: d.diskState,
    peerDiskState: d.peerDiskState,
    replicationState: d.replicationState,
    outOfSyncBytes: d.outOfSyncBytes,
    resyncPercent: d.resync?.percent,
    splitBrain: d.connectionState === 'StandAlone',
  }));
}
