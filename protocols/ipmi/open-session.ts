import type { CipherSuite } from './cipher-suite.js';
import { PacketError } from './packet.js';

/**
 * RMCP+ Open Session Request/Response (IPMI 2.0 section 13.17/13.18): the
 * console proposes exactly one algorithm of each kind, so the BMC either
 * takes the whole cipher suite or refuses it with a status code.
 */

export interface OpenSessionRequest {
  tag: number;
  /** 0 asks for the highest level the channel allows; RAKP1 names the real one. */
  maxPrivilege: number;
  consoleSessionId: number;
  suite: CipherSuite;
}

export interface OpenSessionResponse {
  tag: number;
  status: number;
  maxPrivilege: number;
  consoleSessionId: number;
  bmcSessionId: number;
  auth: number;
  integrity: number;
  confidentiality: number;
}

function algorithmRecord(kind: number, algorithm: number): Buffer {
  return Buffer.from([kind, 0, 0, 0x08, algorithm, 0, 0, 0]);
}

export function encodeOpenSessionRequest(req: OpenSessionRequest): Buffer {
  const head = Buffer.alloc(8);
  head[0] = req.tag;
  head[1] = req.maxPrivilege;
  head.writeUInt32LE(req.consoleSessionId >>> 0, 4);
  return Buffer.concat([
    head,
    algorithmRecord(0x00, req.suite.auth),
    algorithmRecord(0x01, req.suite.integrity),
    algorithmRecord(0x02, req.suite.confidentiality),
  ]);
}

export function decodeOpenSessionRequest(buf: Buffer): Omit<OpenSessionRequest, 'suite'> & {
  auth: number;
  integrity: number;
  confidentiality: number;
} {
  if (buf.length < 32) throw new PacketError(`Open Session Request too short (${buf.length} bytes)`);
  return {
    tag: buf[0]!,
    maxPrivilege: buf[1]!,
    consoleSessionId: buf.readUInt32LE(4),
    auth: buf[12]!,
    integrity: buf[20]!,
    confidentiality: buf[28]!,
  };
}

export function decodeOpenSessionResponse(buf: Buffer): OpenSessionResponse {
  if (buf.length < 2) throw new PacketError(`Open Session Response too short (${buf.length} bytes)`);
  const status = buf[1]!;
  // An error answer may stop after the status (ipmi_sim sends just tag + status).
  const base = {
    tag: buf[0]!,
    status,
    maxPrivilege: buf[2] ?? 0,
    consoleSessionId: buf.length >= 8 ? buf.readUInt32LE(4) : 0,
  };
  if (status !== 0) return { ...base, bmcSessionId: 0, auth: -1, integrity: -1, confidentiality: -1 };
  if (buf.length < 36) throw new PacketError(`Open Session Response too short (${buf.length} bytes)`);
  return {
    ...base,
    bmcSessionId: buf.readUInt32LE(8),
    auth: buf[16]!,
    integrity: buf[24]!,
    confidentiality: buf[32]!,
  };
}
