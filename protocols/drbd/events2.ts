import { HavocError } from '../../core/errors.js';
import {
  DRBD_CONNECTION_STATES,
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

export const EVENTS2_ACTIONS = ['exists', 'create', 'change', 'destroy', 'call', 'response'] as const;
export type Events2Action = (typeof EVENTS2_ACTIONS)[number];

export interface Events2Event {
  /** Present with `drbdsetup events2 --timestamps`. */
  timestamp: string | undefined;
  action: Events2Action;
  /** resource, connection, device, peer-device, path, helper; "-" for the end-of-dump marker. */
  object: string;
  fields: Record<string, string>;
}

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2}|Z)$/;

/** Parses one line of `drbdsetup events2` (drbd-utils user/v9/drbdsetup.c print_event). */
export function parseEvents2Line(line: string, lineNo = 1): Events2Event {
  const words = line.trim().split(/\s+/);
  const where = `drbdsetup events2 line ${lineNo}`;
  let timestamp: string | undefined;
  if (words[0] && TIMESTAMP.test(words[0])) timestamp = words.shift();
  const action = words.shift();
  const object = words.shift();
  const knownAction = EVENTS2_ACTIONS.find((a) => a === action);
  if (!knownAction || object === undefined) {
    throw new HavocError(
      'drbd-parse',
      `${where}: expected "<${EVENTS2_ACTIONS.join('|')}> <object> key:value...", got ${JSON.stringify(line.trim())}`,
    );
  }
  const fields: Record<string, string> = {};
  for (const word of words) {
    const colon = word.indexOf(':');
    if (colon <= 0) {
      throw new HavocError('drbd-parse', `${where}: expected key:value, got ${JSON.stringify(word)}`);
    }
    // path addresses contain colons ("local:ipv4:1.2.3.4:7020"): split at the first one only.
    fields[word.slice(0, colon)] = word.slice(colon + 1);
  }
  return { timestamp, action: knownAction, object, fields };
}

export function parseEvents2(text: string): Events2Event[] {
  const events: Events2Event[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() !== '') events.push(parseEvents2Line(line, i + 1));
  });
  return events;
}

interface ResourceState {
  role: DrbdRole;
}
interface ConnectionState {
  state: DrbdConnectionState;
  peerRole: DrbdRole;
  splitBrainHelperCalled: boolean;
}
interface DeviceState {
  minor: number | undefined;
  disk: DrbdDiskState;
}
interface PeerDeviceState {
  replication: DrbdReplicationState;
  peerDisk: DrbdDiskState;
  outOfSyncKiB: number | undefined;
  done: number | undefined;
}

function need(ev: Events2Event, key: string): string {
  const v = ev.fields[key];
  if (v === undefined) {
    throw new HavocError('drbd-parse', `drbdsetup events2: ${ev.action} ${ev.object} without "${key}:"`);
  }
  return v;
}

function num(ev: Events2Event, key: string): number | undefined {
  const v = ev.fields[key];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v === '' || !Number.isFinite(n)) {
    throw new HavocError('drbd-parse', `drbdsetup events2: ${ev.object} ${key}:${v} is not a number`);
  }
  return n;
}

// DRBD 9 names a peer by connection name; older drbd-utils lack peer-node-id, newer may lack conn-name.
function peerKey(ev: Events2Event): string {
  const name = ev.fields['conn-name'] ?? ev.fields['peer-node-id'];
  if (name === undefined) {
    throw new HavocError('drbd-parse', `drbdsetup events2: ${ev.object} without conn-name: or peer-node-id:`);
  }
  return name;
}

/**
 * Folds a sequence of events2 lines (an `--now` dump, or a dump followed by
 * changes) into the current per-peer-volume state. Objects that a `destroy`
 * removed disappear. A `call helper ... helper:split-brain` marks the
 * connection as split-brain for as long as it stays not Connected.
 */
export function events2ToPeerVolumes(events: Events2Event[]): DrbdPeerVolume[] {
  const resources = new Map<string, ResourceState>();
  const connections = new Map<string, ConnectionState>();
  const devices = new Map<string, DeviceState>();
  const peerDevices = new Map<string, PeerDeviceState>();

  for (const ev of events) {
    if (ev.object === '-') continue;
    const where = `drbdsetup events2 ${ev.action} ${ev.object}`;
    if (ev.action === 'call' || ev.action === 'response') {
      if (ev.object === 'helper' && ev.fields['helper'] === 'split-brain' && ev.action === 'call') {
        const key = `${need(ev, 'name')}/${peerKey(ev)}`;
        const conn = connections.get(key);
        if (conn) conn.splitBrainHelperCalled = true;
        else connections.set(key, { state: 'StandAlone', peerRole: 'Unknown', splitBrainHelperCalled: true });
      }
      continue;
    }
    const name = need(ev, 'name');
    switch (ev.object) {
      case 'resource': {
        if (ev.action === 'destroy') {
          resources.delete(name);
          break;
        }
        const prev = resources.get(name);
        const role = ev.fields['role'];
        resources.set(name, {
          role: role !== undefined ? enumValue(DRBD_ROLES, role, 'role', where) : (prev?.role ?? 'Unknown'),
        });
        break;
      }
      case 'connection': {
        const key = `${name}/${peerKey(ev)}`;
        if (ev.action === 'destroy') {
          connections.delete(key);
          break;
        }
        const prev = connections.get(key);
        const state = ev.fields['connection'];
        const role = ev.fields['role'];
        const next: ConnectionState = {
          state:
            state !== undefined
              ? enumValue(DRBD_CONNECTION_STATES, state, 'connection state', where)
              : (prev?.state ?? 'StandAlone'),
          peerRole:
            role !== undefined ? enumValue(DRBD_ROLES, role, 'role', where) : (prev?.peerRole ?? 'Unknown'),
          splitBrainHelperCalled: prev?.splitBrainHelperCalled ?? false,
        };
        if (next.state === 'Connected') next.splitBrainHelperCalled = false;
        connections.set(key, next);
        break;
      }
      case 'device': {
        const key = `${name}/${need(ev, 'volume')}`;
        if (ev.action === 'destroy') {
          devices.delete(key);
          break;
        }
        const prev = devices.get(key);
        const disk = ev.fields['disk'];
        devices.set(key, {
          minor: num(ev, 'minor') ?? prev?.minor,
          disk:
            disk !== undefined
              ? enumValue(DRBD_DISK_STATES, disk, 'disk state', where)
              : (prev?.disk ?? 'DUnknown'),
        });
        break;
      }
      case 'peer-device': {
        const key = `${name}/${peerKey(ev)}/${need(ev, 'volume')}`;
        if (ev.action === 'destroy') {
          peerDevices.delete(key);
          break;
        }
        const prev = peerDevices.get(key);
        const repl = ev.fields['replication'];
        const peerDisk = ev.fields['peer-disk'];
        const replication =
          repl !== undefined
            ? enumValue(DRBD_REPLICATION_STATES, repl, 'replication state', where)
            : (prev?.replication ?? 'Off');
        peerDevices.set(key, {
          replication,
          peerDisk:
            peerDisk !== undefined
              ? enumValue(DRBD_DISK_STATES, peerDisk, 'disk state', where)
              : (prev?.peerDisk ?? 'DUnknown'),
          outOfSyncKiB: num(ev, 'out-of-sync') ?? prev?.outOfSyncKiB,
          // "done:" is only printed while a resync has details; a state change without it ends the resync.
          done: num(ev, 'done') ?? (repl === undefined ? prev?.done : undefined),
        });
        break;
      }
      default:
        // path and other objects carry nothing this model uses.
        break;
    }
  }

  const out: DrbdPeerVolume[] = [];
  for (const [key, pd] of peerDevices) {
    const [resource = '', peer = '', volumeText = ''] = key.split('/');
    const res = resources.get(resource);
    const conn = connections.get(`${resource}/${peer}`);
    const dev = devices.get(`${resource}/${volumeText}`);
    out.push({
      resource,
      volume: Number(volumeText),
      minor: dev?.minor,
      peer,
      role: res?.role ?? 'Unknown',
      peerRole: conn?.peerRole ?? 'Unknown',
      connectionState: conn?.state ?? 'StandAlone',
      diskState: dev?.disk ?? 'DUnknown',
      peerDiskState: pd.peerDisk,
      replicationState: pd.replication,
      outOfSyncBytes: pd.outOfSyncKiB === undefined ? undefined : pd.outOfSyncKiB * KIB,
      resyncPercent: pd.done,
      splitBrain: conn ? conn.state === 'StandAlone' || conn.splitBrainHelperCalled : false,
    });
  }
  // Connections without peer devices (e.g. StandAlone before any volume handshake) still matter.
  for (const [key, conn] of connections) {
    const [resource = '', peer = ''] = key.split('/');
    if ([...peerDevices.keys()].some((k) => k.startsWith(`${resource}/${peer}/`))) continue;
    for (const [devKey, dev] of devices) {
      const [devRes = '', volumeText = ''] = devKey.split('/');
      if (devRes !== resource) continue;
      out.push({
        resource,
        volume: Number(volumeText),
        minor: dev.minor,
        peer,
        role: resources.get(resource)?.role ?? 'Unknown',
        peerRole: conn.peerRole,
        connectionState: conn.state,
        diskState: dev.disk,
        peerDiskState: 'DUnknown',
        replicationState: 'Off',
        outOfSyncBytes: undefined,
        resyncPercent: undefined,
        splitBrain: conn.state === 'StandAlone' || conn.splitBrainHelperCalled,
      });
    }
  }
  return out;
}
