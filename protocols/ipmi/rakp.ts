import { timingSafeEqual } from 'node:crypto';
import { type CipherSuite, hmac } from './cipher-suite.js';
import { PacketError } from './packet.js';

/**
 * RAKP messages 1-4 and the key schedule of IPMI 2.0 section 13.31/13.32.
 * All HMACs take the role byte exactly as sent in RAKP1 (privilege plus the
 * name-only-lookup bit) and the user name without padding.
 */

/** Bit 4 of the RAKP1 role: look the user up by name only (not name + privilege). */
export const NAME_ONLY_LOOKUP = 0x10;

export interface RakpIdentity {
  consoleSessionId: number;
  bmcSessionId: number;
  consoleRandom: Buffer;
  role: number;
  user: Buffer;
}

export interface Rakp2 {
  tag: number;
  status: number;
  consoleSessionId: number;
  bmcRandom: Buffer;
  bmcGuid: Buffer;
  keyExchangeAuthCode: Buffer;
}

export interface Rakp4 {
  tag: number;
  status: number;
  consoleSessionId: number;
  integrityCheckValue: Buffer;
}

export interface SessionKeys {
  sik: Buffer;
  k1: Buffer;
  k2: Buffer;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0, 0);
  return b;
}

export function encodeRakp1(tag: number, id: RakpIdentity): Buffer {
  if (id.user.length > 16) throw new PacketError(`user name is ${id.user.length} bytes; IPMI allows 16`);
  const head = Buffer.alloc(28);
  head[0] = tag;
  head.writeUInt32LE(id.bmcSessionId >>> 0, 4);
  id.consoleRandom.copy(head, 8);
  head[24] = id.role;
  head[27] = id.user.length;
  return Buffer.concat([head, id.user]);
}

export function decodeRakp1(buf: Buffer): {
  tag: number;
  bmcSessionId: number;
  consoleRandom: Buffer;
  role: number;
  user: Buffer;
} {
  if (buf.length < 28) throw new PacketError(`RAKP1 too short (${buf.length} bytes)`);
  const ulen = buf[27]!;
  return {
    tag: buf[0]!,
    bmcSessionId: buf.readUInt32LE(4),
    consoleRandom: Buffer.from(buf.subarray(8, 24)),
    role: buf[24]!,
    user: Buffer.from(buf.subarray(28, 28 + ulen)),
  };
}

export function decodeRakp2(buf: Buffer): Rakp2 {
  if (buf.length < 2) throw new PacketError(`RAKP2 too short (${buf.length} bytes)`);
  const status = buf[1]!;
  // An error answer may stop after the status.
  const base = { tag: buf[0]!, status, consoleSessionId: buf.length >= 8 ? buf.readUInt32LE(4) : 0 };
  if (status !== 0)
    return {
      ...base,
      bmcRandom: Buffer.alloc(0),
      bmcGuid: Buffer.alloc(0),
      keyExchangeAuthCode: Buffer.alloc(0),
    };
  if (buf.length < 40) throw new PacketError(`RAKP2 too short (${buf.length} bytes)`);
  return {
    ...base,
    bmcRandom: Buffer.from(buf.subarray(8, 24)),
    bmcGuid: Buffer.from(buf.subarray(24, 40)),
    keyExchangeAuthCode: Buffer.from(buf.subarray(40)),
  };
}

export function encodeRakp3(tag: number, status: number, bmcSessionId: number, authCode: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head[0] = tag;
  head[1] = status;
  head.writeUInt32LE(bmcSessionId >>> 0, 4);
  return Buffer.concat([head, authCode]);
}

export function decodeRakp4(buf: Buffer): Rakp4 {
  if (buf.length < 2) throw new PacketError(`RAKP4 too short (${buf.length} bytes)`);
  return {
    tag: buf[0]!,
    status: buf[1]!,
    consoleSessionId: buf.length >= 8 ? buf.readUInt32LE(4) : 0,
    integrityCheckValue: Buffer.from(buf.subarray(8)),
  };
}

/** What the BMC must have computed in RAKP2 if it knows the user's password. */
export function rakp2AuthCode(
  suite: CipherSuite,
  kuid: Buffer,
  id: RakpIdentity,
  bmcRandom: Buffer,
  bmcGuid: Buffer,
): Buffer {
  if (!suite.authHash) return Buffer.alloc(0);
  return hmac(
    suite.authHash,
    kuid,
    u32(id.consoleSessionId),
    u32(id.bmcSessionId),
    id.consoleRandom,
    bmcRandom,
    bmcGuid,
    Buffer.from([id.role, id.user.length]),
    id.user,
  );
}

/** The console's proof of the password, sent in RAKP3. */
export function rakp3AuthCode(suite: CipherSuite, kuid: Buffer, id: RakpIdentity, bmcRandom: Buffer): Buffer {
  if (!suite.authHash) return Buffer.alloc(0);
  return hmac(
    suite.authHash,
    kuid,
    bmcRandom,
    u32(id.consoleSessionId),
    Buffer.from([id.role, id.user.length]),
    id.user,
  );
}

/**
 * SIK, K1 and K2. `kg` is the BMC key when one is configured, else the
 * password (Kuid). The K1/K2 constants are 20 bytes for every hash, as
 * ipmitool and the BMCs it talks to implement them.
 */
export function deriveSessionKeys(
  suite: CipherSuite,
  kg: Buffer,
  id: RakpIdentity,
  bmcRandom: Buffer,
): SessionKeys {
  if (!suite.authHash) return { sik: Buffer.alloc(0), k1: Buffer.alloc(0), k2: Buffer.alloc(0) };
  const sik = hmac(
    suite.authHash,
    kg,
    id.consoleRandom,
    bmcRandom,
    Buffer.from([id.role, id.user.length]),
    id.user,
  );
  const k1 = hmac(suite.authHash, sik, Buffer.alloc(20, 0x01));
  const k2 = hmac(suite.authHash, sik, Buffer.alloc(20, 0x02));
  return { sik, k1, k2 };
}

/** What RAKP4 must carry: proof that the BMC derived the same SIK. */
export function rakp4Icv(suite: CipherSuite, sik: Buffer, id: RakpIdentity, bmcGuid: Buffer): Buffer {
  if (!suite.authHash) return Buffer.alloc(0);
  return hmac(suite.authHash, sik, id.consoleRandom, u32(id.bmcSessionId), bmcGuid).subarray(
    0,
    suite.rakp4IcvLength,
  );
}

/** Constant-time comparison that treats different lengths as a mismatch. */
export function sameCode(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Kuid: the password zero-padded to 20 bytes (IPMI 2.0 passwords are at most 20 bytes). */
export function kuidFromPassword(password: string): Buffer {
  const raw = Buffer.from(password, 'utf8');
  if (raw.length > 20) throw new PacketError(`password is ${raw.length} bytes; IPMI 2.0 allows 20`);
  const key = Buffer.alloc(20);
  raw.copy(key);
  return key;
}
