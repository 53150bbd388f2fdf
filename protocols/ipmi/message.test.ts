import { describe, expect, it } from 'vitest';
import { checksum, decodeResponse, encodeRequest, IpmiMessageError } from './message.js';

describe('IPMI message checksums', () => {
  it('makes each half sum to zero', () => {
    const msg = encodeRequest({ netFn: 0x00, cmd: 0x02, rqSeq: 5, data: Uint8Array.of(0x00) });
    expect(checksum(msg, 0, 3)).toBe(0);
    expect(checksum(msg, 3, msg.length)).toBe(0);
    expect(msg[4]).toBe(5 << 2);
  });

  it('rejects a response with a corrupted checksum, saying which', () => {
    // Chassis Control response captured from ipmi_sim (the suite 0 session in fixtures/).
    const good = Buffer.from('81047b20180200c6', 'hex');
    expect(decodeResponse(good)).toMatchObject({ netFn: 0x01, cmd: 0x02, rqSeq: 6, completionCode: 0 });
    const bad = Buffer.from(good);
    bad[7] = bad[7]! ^ 0xff;
    expect(() => decodeResponse(bad)).toThrow(IpmiMessageError);
    expect(() => decodeResponse(bad)).toThrow('data checksum');
    expect(() => decodeResponse(good.subarray(0, 5))).toThrow('too short');
  });
});
