import { HavocError } from '../../core/errors.js';

/**
 * The eight flags of an IEEE 802.3 LACP actor/partner state, one model for
 * both places havoc reads them: the host's bonding driver and the switch's
 * IEEE8023-LAG-MIB. The two encode the byte in opposite bit orders (see the
 * two decoders below), so they must never share a decoder, only the model.
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

/** Linux /proc/net/bonding and sysfs print the state as an integer with bit 0 (activity) least significant. */
export function decodeLacpPortState(value: number): LacpPortState {
  if (!Number.isInteger(value) || value < 0 || value > 255) {
    throw new HavocError('lacp-parse', `LACP port state must be an integer 0..255, got ${value}`);
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

/**
 * IEEE8023-LAG-MIB LacpState is an SNMP BITS value: "The first bit
 * corresponds to bit 0 of Actor_State (LACP_Activity)" (librenms/librenms
 * mibs/IEEE8023-LAG-MIB, dot3adAggPortActorAdminState), and BITS put the first
 * bit in the MOST significant bit of the first octet (RFC 2578 section 7.1.4).
 */
export function decodeLacpStateBits(octets: Buffer): LacpPortState {
  const first = octets.length > 0 ? (octets[0] ?? 0) : 0;
  return decodeLacpPortState(
    LACP_STATE_BITS.reduce(
      (value, _flag, bit) => ((first & (0x80 >> bit)) !== 0 ? value | (1 << bit) : value),
      0,
    ),
  );
}
