export {
  decodeLacpPortState,
  LACP_STATE_BITS,
  type LacpPortState,
  lacpPortForwarding,
} from '../lacp/port-state.js';
export {
  type ActiveAggregator,
  BOND_MODES,
  type BondAdInfo,
  type BondMode,
  type BondSlave,
  type BondStatus,
  type LacpPdu,
  MII_STATUSES,
  type MiiStatus,
  parseProcBonding,
  ZERO_MAC,
} from './procBonding.js';
export {
  type BondSlaveSysfs,
  type BondSysfs,
  parseBondingSlaveSysfs,
  parseBondingSysfs,
  type SysfsFiles,
} from './sysfsBonding.js';
