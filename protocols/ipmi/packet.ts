import { timingSafeEqual } from 'node:crypto';
import { type CipherSuite, hmac } from './cipher-suite.js';
import { decryptAesCbc128, encryptAesCbc128 } from './confidentiality.js';

/**
 * RMCP framing and the two session headers that ride on it (IPMI 2.0
 * section 13.6): the IPMI 1.5 header used for the one pre-session command
 * (Get Channel Authentication Capabilities), and the RMCP+ (IPMI 2.0) header
 * with its payload type, integrity trailer and optional encryption.
 */

/** Version 6, reserved, sequence 0xFF (no RMCP ack), class IPMI. */
const RMCP_HEADER = Buffer.from([0x06, 0x00, 0xff, 0x07]);
const AUTH_TYPE_RMCPPLUS = 0x06;
const NEXT_HEADER = 0x07;

export const PayloadType = {
  ipmi: 0x00,
  openSessionRequest: 0x10,
  openSessionResponse: 0x11,
  rakp1: 0x12,
  rakp2: 0x13,
  rakp3: 0x14,
  rakp4: 0x15,
} as const;

export class PacketError extends Error {}

/** Keys and algorithms of an active session; absent before RAKP completes. */
export interface SessionCrypto {
  suite: CipherSuite;
  k1: Buffer;
  k2: Buffer;
}

export interface RmcpPlusPacket {
  payloadType: number;
  encrypted: boolean;
  authenticated: boolean;
  sessionId: number;
  sequence: number;
  payload: Buffer;
}

/** An IPMI 1.5 packet with authentication type none (pre-session only). */
export function encodeIpmi15(message: Uint8Array): Buffer {
  const header = Buffer.alloc(10);
  header[0] = 0x00; // auth type none; sequence and session ID stay 0 before a session
  header[9] = message.length;
  return Buffer.concat([RMCP_HEADER, header, message]);
}

export function decodeIpmi15(buf: Buffer): { authType: number; sessionId: number; message: Buffer } {
  checkRmcp(buf);
  const authType = buf[4]!;
  if (authType === AUTH_TYPE_RMCPPLUS) throw new PacketError('expected an IPMI 1.5 packet, got RMCP+');
  // A 16-byte AuthCode follows the session ID unless the auth type is none.
  const codeLength = authType === 0 ? 0 : 16;
  const lengthAt = 13 + codeLength;
  if (buf.length < lengthAt + 1) throw new PacketError(`IPMI 1.5 packet too short (${buf.length} bytes)`);
  const length = buf[lengthAt]!;
  const message = buf.subarray(lengthAt + 1, lengthAt + 1 + length);
  if (message.length !== length) throw new PacketError('IPMI 1.5 message length exceeds the datagram');
  return { authType, sessionId: buf.readUInt32LE(9), message: Buffer.from(message) };
}

function checkRmcp(buf: Buffer): void {
  if (buf.length < 5) throw new PacketError(`datagram too short for RMCP (${buf.length} bytes)`);
  if (buf[0] !== 0x06) throw new PacketError(`not RMCP: version byte 0x${hex(buf[0]!)}`);
  if ((buf[3]! & 0x1f) !== 0x07) throw new PacketError(`RMCP class 0x${hex(buf[3]!)} is not IPMI`);
}

export function isRmcpPlus(buf: Buffer): boolean {
  return buf.length > 4 && buf[4] === AUTH_TYPE_RMCPPLUS;
}

/**
 * Builds an RMCP+ packet. With `crypto` the payload is encrypted (if the
 * suite has confidentiality) and the integrity trailer appended (if it has
 * integrity); without it the packet is sent in the clear (session setup).
 */
export function encodeRmcpPlus(
  payloadType: number,
  sessionId: number,
  sequence: number,
  payload: Uint8Array,
  crypto?: SessionCrypto,
  iv?: Uint8Array,
): Buffer {
  const encrypted = crypto?.suite.encrypted === true;
  const authenticated = crypto?.suite.integrityHash !== undefined;
  const body = encrypted ? encryptAesCbc128(crypto!.k2, payload, iv) : Buffer.from(payload);
  const header = Buffer.alloc(12);
  header[0] = AUTH_TYPE_RMCPPLUS;
  header[1] = (payloadType & 0x3f) | (encrypted ? 0x80 : 0) | (authenticated ? 0x40 : 0);
  header.writeUInt32LE(sessionId >>> 0, 2);
  header.writeUInt32LE(sequence >>> 0, 6);
  header.writeUInt16LE(body.length, 10);
  if (!authenticated) return Buffer.concat([RMCP_HEADER, header, body]);
  // Pad so that header + payload + pad + padLength + nextHeader is a multiple of 4.
  const padLength = (4 - ((12 + body.length + 2) % 4)) % 4;
  const trailer = Buffer.alloc(padLength + 2, 0xff);
  trailer[padLength] = padLength;
  trailer[padLength + 1] = NEXT_HEADER;
  const covered = Buffer.concat([header, body, trailer]);
  const code = authCode(crypto!, covered);
  return Buffer.concat([RMCP_HEADER, covered, code]);
}

function authCode(crypto: SessionCrypto, covered: Uint8Array): Buffer {
  const { integrityHash, integrityLength } = crypto.suite;
  if (!integrityHash) return Buffer.alloc(0);
  return hmac(integrityHash, crypto.k1, covered).subarray(0, integrityLength);
}

/**
 * Decodes an RMCP+ packet. Authenticated packets are checked against K1 and
 * encrypted ones decrypted with K2; a packet that claims protection the
 * session cannot verify is rejected rather than trusted.
 */
export function decodeRmcpPlus(buf: Buffer, crypto?: SessionCrypto): RmcpPlusPacket {
  checkRmcp(buf);
  if (buf[4] !== AUTH_TYPE_RMCPPLUS) throw new PacketError(`expected RMCP+ (auth type 6), got ${buf[4]}`);
  if (buf.length < 16) throw new PacketError(`RMCP+ packet too short (${buf.length} bytes)`);
  const typeByte = buf[5]!;
  const encrypted = (typeByte & 0x80) !== 0;
  const authenticated = (typeByte & 0x40) !== 0;
  const payloadType = typeByte & 0x3f;
  if (payloadType === 0x02) throw new PacketError('OEM explicit payloads are not supported');
  const sessionId = buf.readUInt32LE(6);
  const sequence = buf.readUInt32LE(10);
  const length = buf.readUInt16LE(14);
  const end = 16 + length;
  if (buf.length < end) throw new PacketError(`RMCP+ payload length ${length} exceeds the datagram`);
  let payload = buf.subarray(16, end);
  if (authenticated) {
    if (!crypto?.suite.integrityHash)
      throw new PacketError('authenticated packet outside an integrity session');
    const { integrityLength } = crypto.suite;
    const padLength = (4 - ((12 + length + 2) % 4)) % 4;
    const coveredEnd = end + padLength + 2;
    if (buf.length !== coveredEnd + integrityLength) {
      throw new PacketError('RMCP+ integrity trailer has the wrong length');
    }
    const expected = authCode(crypto, buf.subarray(4, coveredEnd));
    if (!timingSafeEqual(expected, buf.subarray(coveredEnd))) {
      throw new PacketError('RMCP+ AuthCode does not match (integrity check failed)');
    }
  } else if (crypto?.suite.integrityHash) {
    throw new PacketError('unauthenticated packet inside an integrity session');
  }
  if (encrypted) {
    if (!crypto?.suite.encrypted) throw new PacketError('encrypted packet outside a confidentiality session');
    payload = decryptAesCbc128(crypto.k2, payload);
  }
  return { payloadType, encrypted, authenticated, sessionId, sequence, payload: Buffer.from(payload) };
}

function hex(n: number): string {
  return n.toString(16).padStart(2, '0');
}
