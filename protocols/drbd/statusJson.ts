import { z } from 'zod';
import { HavocError } from '../../core/errors.js';
import {
  DRBD_CONNECTION_STATES,
  DRBD_DISK_STATES,
  DRBD_REPLICATION_STATES,
  DRBD_ROLES,
  type DrbdPeerVolume,
  KIB,
} from './states.js';

// `drbdsetup status --json` as printed by drbd-utils user/v9/drbdsetup.c.
// Note the array key "peer_devices" uses an underscore while every other key
// uses dashes. Unknown keys are allowed: newer drbd-utils add fields.
const peerDeviceSchema = z.object({
  volume: z.number().int(),
  'replication-state': z.enum(DRBD_REPLICATION_STATES),
  'peer-disk-state': z.enum(DRBD_DISK_STATES),
  'out-of-sync': z.number().nonnegative(),
  'percent-in-sync': z.number().optional(),
  'percent-resync-done': z.number().optional(),
  'has-sync-details': z.boolean().optional(),
});

const connectionSchema = z.object({
  'peer-node-id': z.number().int(),
  name: z.string(),
  'connection-state': z.enum(DRBD_CONNECTION_STATES),
  'peer-role': z.enum(DRBD_ROLES),
  peer_devices: z.array(peerDeviceSchema),
});

const deviceSchema = z.object({
  volume: z.number().int(),
  minor: z.number().int(),
  'disk-state': z.enum(DRBD_DISK_STATES),
  size: z.number().optional(),
});

const resourceSchema = z.object({
  name: z.string(),
  'node-id': z.number().int().optional(),
  role: z.enum(DRBD_ROLES),
  suspended: z.boolean(),
  devices: z.array(deviceSchema),
  connections: z.array(connectionSchema),
});

export const drbdStatusJsonSchema = z.array(resourceSchema);
export type DrbdStatusResource = z.infer<typeof resourceSchema>;

export function parseDrbdStatusJson(text: string): DrbdStatusResource[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new HavocError('drbd-parse', `drbdsetup status --json: not JSON (${(err as Error).message})`, {
      hint: 'DRBD 8.4 has no --json; read /proc/drbd there',
    });
  }
  const parsed = drbdStatusJsonSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue ? issue.path.join('.') : '';
    throw new HavocError(
      'drbd-parse',
      `drbdsetup status --json: field ${path || '(root)'}: ${issue?.message ?? 'invalid'}`,
    );
  }
  return parsed.data;
}

/** Flattens the JSON to one entry per (resource, volume, peer). */
export function drbdStatusToPeerVolumes(resources: DrbdStatusResource[]): DrbdPeerVolume[] {
  const out: DrbdPeerVolume[] = [];
  for (const res of resources) {
    for (const conn of res.connections) {
      for (const pd of conn.peer_devices) {
        const device = res.devices.find((d) => d.volume === pd.volume);
        if (!device) {
          throw new HavocError(
            'drbd-parse',
            `drbdsetup status --json: resource ${res.name} connection ${conn.name} has peer device volume ${pd.volume} but no local device with that volume`,
          );
        }
        out.push({
          resource: res.name,
          volume: pd.volume,
          minor: device.minor,
          peer: conn.name,
          role: res.role,
          peerRole: conn['peer-role'],
          connectionState: conn['connection-state'],
          diskState: device['disk-state'],
          peerDiskState: pd['peer-disk-state'],
          replicationState: pd['replication-state'],
          outOfSyncBytes: pd['out-of-sync'] * KIB,
          resyncPercent: pd['percent-resync-done'],
          splitBrain: conn['connection-state'] === 'StandAlone',
        });
      }
    }
  }
  return out;
}
