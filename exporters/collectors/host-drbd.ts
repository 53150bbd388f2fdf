import type { Registry } from 'prom-client';
import {
  DRBD_CONNECTION_STATES,
  DRBD_DISK_STATES,
  DRBD_REPLICATION_STATES,
  DRBD_ROLES,
  type DrbdPeerVolume,
} from '../../protocols/drbd/index.js';
import { gaugeFamily, registerGauge } from '../metric-family.js';

/*
 * DRBD 9 (drbdsetup) and 8.4 (/proc/drbd), normalised to one series per
 * resource/volume/peer. Every state set always carries every state, unlike
 * drbd-reactor (only with enums=true) and ha_cluster_exporter (only the 1s).
 */

export const DRBD_METRICS = {
  role: gaugeFamily('havoc_drbd_role', 'Role of the local resource as a state set.', ['resource', 'state']),
  peerRole: gaugeFamily('havoc_drbd_peer_role', 'Role of the peer as a state set.', [
    'resource',
    'peer',
    'state',
  ]),
  connection: gaugeFamily('havoc_drbd_connection_state', 'Connection state towards a peer as a state set.', [
    'resource',
    'peer',
    'state',
  ]),
  disk: gaugeFamily('havoc_drbd_disk_state', 'Local disk state of a volume as a state set.', [
    'resource',
    'volume',
    'state',
  ]),
  peerDisk: gaugeFamily('havoc_drbd_peer_disk_state', "The peer's disk state of a volume as a state set.", [
    'resource',
    'volume',
    'peer',
    'state',
  ]),
  replication: gaugeFamily(
    'havoc_drbd_replication_state',
    'Replication state of a volume towards a peer as a state set.',
    ['resource', 'volume', 'peer', 'state'],
  ),
  outOfSync: gaugeFamily(
    'havoc_drbd_out_of_sync_bytes',
    'Data not yet in sync with the peer (DRBD prints KiB; converted).',
    ['resource', 'volume', 'peer'],
  ),
  resyncDone: gaugeFamily(
    'havoc_drbd_resync_done_ratio',
    'Progress of a running resync or verify, 0..1; absent when none runs.',
    ['resource', 'volume', 'peer'],
  ),
  splitBrain: gaugeFamily(
    'havoc_drbd_split_brain',
    '1 when a split brain is detected or suspected (StandAlone, or the split-brain helper was called).',
    ['resource', 'peer'],
  ),
  present: gaugeFamily(
    'havoc_drbd_resource_present',
    '1 when a DRBD resource the inventory puts on this host is configured on it.',
    ['resource'],
  ),
  degraded: gaugeFamily(
    'havoc_drbd_degraded',
    '1 when a resource is not fully redundant: a volume not UpToDate locally or on a peer, a peer not Connected, replication not Established, or the resource missing.',
    ['resource'],
  ),
} as const;

export function drbdVolumeHealthy(v: DrbdPeerVolume): boolean {
  return (
    v.diskState === 'UpToDate' &&
    v.peerDiskState === 'UpToDate' &&
    v.connectionState === 'Connected' &&
    v.replicationState === 'Established' &&
    !v.splitBrain
  );
}

export function renderDrbd(volumes: DrbdPeerVolume[], expectedResources: string[], registry: Registry): void {
  const m = Object.fromEntries(
    Object.entries(DRBD_METRICS).map(([k, f]) => [k, registerGauge(registry, f)]),
  ) as Record<keyof typeof DRBD_METRICS, ReturnType<typeof registerGauge>>;
  const oneHot = (
    g: ReturnType<typeof registerGauge>,
    base: Record<string, string>,
    states: readonly string[],
    cur: string,
  ) => {
    for (const s of states) g.set({ ...base, state: s }, s === cur ? 1 : 0);
  };
  const resources = new Map<string, DrbdPeerVolume[]>();
  for (const v of volumes) resources.set(v.resource, [...(resources.get(v.resource) ?? []), v]);
  for (const name of expectedResources) {
    m.present.set({ resource: name }, resources.has(name) ? 1 : 0);
    if (!resources.has(name)) m.degraded.set({ resource: name }, 1);
  }
  for (const [resource, vols] of resources) {
    const r = { resource };
    oneHot(m.role, r, DRBD_ROLES, vols[0]!.role);
    m.degraded.set(r, vols.every(drbdVolumeHealthy) ? 0 : 1);
    for (const v of vols) {
      const rp = { resource, peer: v.peer };
      const rv = { resource, volume: String(v.volume) };
      const rvp = { ...rv, peer: v.peer };
      oneHot(m.peerRole, rp, DRBD_ROLES, v.peerRole);
      oneHot(m.connection, rp, DRBD_CONNECTION_STATES, v.connectionState);
      m.splitBrain.set(rp, v.splitBrain ? 1 : 0);
      oneHot(m.disk, rv, DRBD_DISK_STATES, v.diskState);
      oneHot(m.peerDisk, rvp, DRBD_DISK_STATES, v.peerDiskState);
      oneHot(m.replication, rvp, DRBD_REPLICATION_STATES, v.replicationState);
      if (v.outOfSyncBytes !== undefined) m.outOfSync.set(rvp, v.outOfSyncBytes);
      if (v.resyncPercent !== undefined) m.resyncDone.set(rvp, v.resyncPercent / 100);
    }
  }
}
