import { HavocError } from '../../core/errors.js';

// DRBD 9 vocabularies (drbd-utils drbd_strings.c, LINBIT UG9 "connection/replication/disk states").
// Exporters render each as a one-hot state set with every value present.
export const DRBD_ROLES = ['Primary', 'Secondary', 'Unknown'] as const;
export type DrbdRole = (typeof DRBD_ROLES)[number];

export const DRBD_CONNECTION_STATES = [
  'StandAlone',
  'Disconnecting',
  'Unconnected',
  'Timeout',
  'BrokenPipe',
  'NetworkFailure',
  'ProtocolError',
  'TearDown',
  'Connecting',
  'Connected',
] as const;
export type DrbdConnectionState = (typeof DRBD_CONNECTION_STATES)[number];

export const DRBD_DISK_STATES = [
  'Diskless',
  'Attaching',
  'Detaching',
  'Failed',
  'Negotiating',
  'Inconsistent',
  'Outdated',
  'DUnknown',
  'Consistent',
  'UpToDate',
] as const;
export type DrbdDiskState = (typeof DRBD_DISK_STATES)[number];

export const DRBD_REPLICATION_STATES = [
  'Off',
  'Established',
  'StartingSyncS',
  'StartingSyncT',
  'WFBitMapS',
  'WFBitMapT',
  'WFSyncUUID',
  'SyncSource',
  'SyncTarget',
  'PausedSyncS',
  'PausedSyncT',
  'VerifyS',
  'VerifyT',
  'Ahead',
  'Behind',
] as const;
export type DrbdReplicationState = (typeof DRBD_REPLICATION_STATES)[number];

/** Replication states in which a resync or online verify is moving data. */
export const DRBD_RESYNC_STATES: readonly DrbdReplicationState[] = [
  'SyncSource',
  'SyncTarget',
  'PausedSyncS',
  'PausedSyncT',
  'VerifyS',
  'VerifyT',
];

export function enumValue<T extends string>(
  values: readonly T[],
  raw: unknown,
  what: string,
  where: string,
): T {
  const found = values.find((v) => v === raw);
  if (found === undefined) {
    throw new HavocError(
      'drbd-parse',
      `${where}: expected a DRBD ${what} (${values.join(', ')}), got ${JSON.stringify(raw)}`,
    );
  }
  return found;
}

/**
 * One local volume as seen towards one peer: the unit every DRBD version is
 * normalised to. Byte counts are bytes (DRBD prints KiB).
 */
export interface DrbdPeerVolume {
  resource: string;
  volume: number;
  minor: number | undefined;
  /** Connection name (DRBD 9) or "peer" (8.4, which has exactly one peer). */
  peer: string;
  role: DrbdRole;
  peerRole: DrbdRole;
  connectionState: DrbdConnectionState;
  diskState: DrbdDiskState;
  peerDiskState: DrbdDiskState;
  replicationState: DrbdReplicationState;
  outOfSyncBytes: number | undefined;
  /** Resync/verify progress 0..100 while one runs and DRBD reports it; undefined otherwise. */
  resyncPercent: number | undefined;
  /**
   * DRBD drops a connection to StandAlone when it detects a split brain it
   * may not resolve on its own (UG9 "Manual split brain recovery"); an admin
   * `drbdadm disconnect` looks the same, so this is "suspected", and a
   * `call helper ... helper:split-brain` event in events2 makes it certain.
   */
  splitBrain: boolean;
}

export const KIB = 1024;
