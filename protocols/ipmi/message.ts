/**
 * The IPMI message inside an RMCP/RMCP+ payload (IPMI 2.0 section 13.8): a
 * request from the remote console (software ID 0x81) to the BMC (0x20), each
 * half protected by a two's-complement checksum.
 */

export const BMC_ADDRESS = 0x20;
export const CONSOLE_ADDRESS = 0x81;

export const NetFn = {
  chassis: 0x00,
  app: 0x06,
} as const;

export interface IpmiRequest {
  netFn: number;
  cmd: number;
  /** 6-bit requester sequence, matched against the response. */
  rqSeq: number;
  data: Uint8Array;
}

export interface IpmiResponse {
  /** The response NetFn (request NetFn + 1). */
  netFn: number;
  cmd: number;
  rqSeq: number;
  completionCode: number;
  data: Buffer;
}

/** Two's-complement checksum: the bytes plus the checksum sum to 0 mod 256. */
export function checksum(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let sum = 0;
  for (let i = start; i < end; i++) sum = (sum + bytes[i]!) & 0xff;
  return (0x100 - sum) & 0xff;
}

export function encodeRequest(req: IpmiRequest): Buffer {
  const out = Buffer.alloc(7 + req.data.length);
  out[0] = BMC_ADDRESS;
  out[1] = (req.netFn << 2) & 0xfc;
  out[2] = checksum(out, 0, 2);
  out[3] = CONSOLE_ADDRESS;
  out[4] = (req.rqSeq & 0x3f) << 2;
  out[5] = req.cmd;
  out.set(req.data, 6);
  out[out.length - 1] = checksum(out, 3, out.length - 1);
  return out;
}

export class IpmiMessageError extends Error {}

/** Decodes a response message; throws IpmiMessageError on a bad length or checksum. */
export function decodeResponse(buf: Uint8Array): IpmiResponse {
  if (buf.length < 8) throw new IpmiMessageError(`IPMI response too short (${buf.length} bytes, need 8)`);
  if (checksum(buf, 0, 3) !== 0) throw new IpmiMessageError('IPMI response header checksum mismatch');
  if (checksum(buf, 3, buf.length) !== 0) throw new IpmiMessageError('IPMI response data checksum mismatch');
  return {
    netFn: buf[1]! >> 2,
    rqSeq: buf[4]! >> 2,
    cmd: buf[5]!,
    completionCode: buf[6]!,
    data: Buffer.from(buf.subarray(7, buf.length - 1)),
  };
}

/** Decodes a request message (used to read captured console traffic). */
export function decodeRequest(buf: Uint8Array): IpmiRequest {
  if (buf.length < 7) throw new IpmiMessageError(`IPMI request too short (${buf.length} bytes, need 7)`);
  if (checksum(buf, 0, 3) !== 0) throw new IpmiMessageError('IPMI request header checksum mismatch');
  if (checksum(buf, 3, buf.length) !== 0) throw new IpmiMessageError('IPMI request data checksum mismatch');
  return {
    netFn: buf[1]! >> 2,
    rqSeq: buf[4]! >> 2,
    cmd: buf[5]!,
    data: Buffer.from(buf.subarray(6, buf.length - 1)),
  };
}
