/*
 * Every lab lives in 198.18.0.0/15, the range RFC 2544 reserves for network
 * device benchmarks, so it can never shadow a real network the machine is on.
 * The range holds 64 blocks of eight /24s; a lab takes one block (one /24 per
 * network) chosen from a hash of its name, skipping blocks other labs or
 * existing routes already use, and records it in its state.
 */

export const LAB_RANGE = '198.18.0.0/15';
export const SLOTS = 64;
const NETWORKS_PER_SLOT = 8;

export function ipToInt(ip: string): number {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    throw new Error(`not an IPv4 address: ${ip}`);
  }
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export interface Cidr {
  start: number;
  /** Inclusive. */
  end: number;
}

export function parseCidr(cidr: string): Cidr {
  const [ip, len] = cidr.split('/');
  const bits = len === undefined ? 32 : Number(len);
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  const start = (ipToInt(ip ?? '') & mask) >>> 0;
  return { start, end: (start + 2 ** (32 - bits) - 1) >>> 0 };
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.start <= b.end && b.start <= a.end;
}

/** The /21 block of a slot. */
export function slotBlock(slot: number): Cidr {
  const start = ipToInt('198.18.0.0') + slot * NETWORKS_PER_SLOT * 256;
  return { start, end: start + NETWORKS_PER_SLOT * 256 - 1 };
}

/** The /24 of network `index` (0-7) in a slot, as "a.b.c" (append ".host"). */
export function subnetPrefix(slot: number, index: number): string {
  const base = slotBlock(slot).start + index * 256;
  return intToIp(base).split('.').slice(0, 3).join('.');
}

/** FNV-1a: a stable, well-spread hash of the lab name. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (const ch of Buffer.from(text, 'utf8')) {
    h ^= ch;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/**
 * The lab's slot: its hash slot, or the next one that no other lab holds and
 * no existing address or route overlaps. Undefined when all are taken.
 */
export function chooseSlot(
  name: string,
  takenSlots: ReadonlySet<number>,
  inUse: readonly Cidr[],
): number | undefined {
  const first = fnv1a(name) % SLOTS;
  for (let i = 0; i < SLOTS; i++) {
    const slot = (first + i) % SLOTS;
    if (takenSlots.has(slot)) continue;
    const block = slotBlock(slot);
    if (inUse.some((c) => overlaps(c, block))) continue;
    return slot;
  }
  return undefined;
}
