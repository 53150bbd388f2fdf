import { HavocError } from '../../core/errors.js';

/**
 * The eight bits of an IEEE 802.3 LACP actor/partner state byte, as Linux
 * prints them in /proc/net/bonding and sysfs: a plain integer, bit 0 least
 * significant. (SNMP's LacpState BITS puts bit 0 in the most significant bit
 * of the octet; that decoder belongs to the SNMP side, not here.)
 */
export interface LacpPortState {
  /** LACP_Activity: active LACP (1) rather than passive (0). */
  activity: boolean;
  /** LACP_Timeout: short (fast, 1 s) timeout. */
  shortTimeout: boolean;
  aggregation: boolean;
  synchronization: boolean;
  collecting: boolean;
  distributing: boolean;
  /** The port uses defaulted partner info: no LACPDU was received from the partner. */
  defaulted: boolean;
  /** The receive machine is in the EXPIRED state. */
  expired: boolean;
}

export const LACP_STATE_BITS = [
  'activity',
  'shortTimeout',
  'aggregation',
  'synchronization',
  'collecting',
  'distributing',
  'defaulted',
  'expired',
] as const satisfies readonly (keyof LacpPortState)[];

export function decodeLacpPortState(value: number): LacpPortState {
  if (!Number.isInteger(value) || value < 0 || value > 255) {
    throw new HavocError('bonding-parse', `LACP port state must be an integer 0..255, got ${value}`);
  }
  const bit = (n: number) => (value & (1 << n)) !== 0;
  return {
    activity: bit(0),
    shortTimeout: bit(1),
    aggregation: bit(2),
    synchronization: bit(3),
    collecting: bit(4),
    distributing: bit(5),
    defaulted: bit(6),
    expired: bit(7),
  };
}

/**
 * True when a port carries traffic as a full LAG member: in sync, collecting
 * and distributing, with live (not defaulted, not expired) partner info.
 * A slave with MII up can fail this, which is the "half-working bond" case.
 */
export function lacpPortForwarding(state: LacpPortState): boolean {
  return (
    state.aggregation &&
    state.synchronization &&
    state.collecting &&
    state.distributing &&
    !state.defaulted &&
    !state.expired
  );
}
