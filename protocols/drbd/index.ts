export { connectionStates } from './connection-states.js';
export { type DrbdResourceConf, parseDrbdConf } from './drbd-conf.js';
export {
  EVENTS2_ACTIONS,
  type Events2Action,
  type Events2Event,
  events2ToPeerVolumes,
  parseEvents2,
  parseEvents2Line,
} from './events2.js';
export {
  type ProcDrbd,
  type ProcDrbdDevice,
  type ProcDrbdResync,
  parseProcDrbd,
  procDrbdToPeerVolumes,
} from './procDrbd.js';
export {
  DRBD_CONNECTION_STATES,
  DRBD_DISK_STATES,
  DRBD_REPLICATION_STATES,
  DRBD_RESYNC_STATES,
  DRBD_ROLES,
  type DrbdConnectionState,
  type DrbdDiskState,
  type DrbdPeerVolume,
  type DrbdReplicationState,
  type DrbdRole,
} from './states.js';
export {
  type DrbdStatusResource,
  drbdStatusJsonSchema,
  drbdStatusToPeerVolumes,
  parseDrbdStatusJson,
} from './statusJson.js';
