import snmp from 'net-snmp';

/*
 * Decoders from net-snmp's varbind values (numbers, Buffers) to plain data.
 * Each returns undefined for a value of the wrong type, so a misbehaving agent
 * shows up as a missing value, never as a wrong number.
 */

export interface RawVarbind {
  oid: string;
  type: number;
  value: unknown;
}

const T = snmp.ObjectType;

/** INTEGER, Counter32, Gauge32, TimeTicks. */
export function asNumber(vb: RawVarbind): number | undefined {
  if (
    vb.type !== T['Integer'] &&
    vb.type !== T['Counter'] &&
    vb.type !== T['Gauge'] &&
    vb.type !== T['TimeTicks']
  ) {
    return undefined;
  }
  return typeof vb.value === 'number' ? vb.value : undefined;
}

/** Counter64 arrives as the BER content octets (up to 9 bytes, big-endian, maybe a leading 0). */
export function asCounter64(vb: RawVarbind): bigint | undefined {
  if (vb.type !== T['Counter64'] || !Buffer.isBuffer(vb.value)) return undefined;
  return bigEndianUnsigned(vb.value);
}

export function bigEndianUnsigned(buf: Buffer): bigint | undefined {
  if (buf.length === 0 || buf.length > 9) return undefined;
  let n = 0n;
  for (const byte of buf) n = (n << 8n) | BigInt(byte);
  return n < 2n ** 64n ? n : undefined;
}

/** DisplayString / SnmpAdminString: UTF-8 (RFC 3411 allows it; ASCII is a subset). */
export function asText(vb: RawVarbind): string | undefined {
  if (vb.type !== T['OctetString'] || !Buffer.isBuffer(vb.value)) return undefined;
  return vb.value.toString('utf8');
}

export function asOctets(vb: RawVarbind): Buffer | undefined {
  if (vb.type !== T['OctetString'] || !Buffer.isBuffer(vb.value)) return undefined;
  return vb.value;
}

/** MacAddress (6 octets) as "aa:bb:cc:dd:ee:ff"; empty for interfaces without one (loopback). */
export function formatMac(octets: Buffer): string {
  return [...octets].map((b) => b.toString(16).padStart(2, '0')).join(':');
}

/** noSuchObject, noSuchInstance, endOfMibView: the agent has no value here. */
export function isException(vb: RawVarbind): boolean {
  return snmp.isVarbindError(vb as snmp.Varbind);
}
