/*
 * IEEE8023-LAG-MIB LacpState is an SNMP BITS value: "The first bit
 * corresponds to bit 0 of Actor_State (LACP_Activity)" (librenms/librenms
 * mibs/IEEE8023-LAG-MIB, dot3adAggPortActorAdminState), and BITS put the first
 * bit in the MOST significant bit of the first octet (RFC 2578 section 7.1.4).
 * Linux /proc/net/bonding prints the same 8 flags as an integer with bit 0 as
 * the LEAST significant bit, so the two must never share a decoder.
 */
export const LACP_FLAGS = [
  'activity',
  'timeout',
  'aggregation',
  'synchronization',
  'collecting',
  'distributing',
  'defaulted',
  'expired',
] as const;
export type LacpFlag = (typeof LACP_FLAGS)[number];
export type LacpState = Record<LacpFlag, boolean>;

export function decodeLacpStateBits(octets: Buffer): LacpState {
  const first = octets.length > 0 ? (octets[0] ?? 0) : 0;
  const state = {} as LacpState;
  LACP_FLAGS.forEach((flag, bit) => {
    state[flag] = (first & (0x80 >> bit)) !== 0;
  });
  return state;
}
