import { describe, expect, it } from 'vitest';
import { CIPHER_SUITES } from './cipher-suite.js';
import { decryptAesCbc128, encryptAesCbc128 } from './confidentiality.js';
import { encodeRequest } from './message.js';
import { decodeRmcpPlus, encodeRmcpPlus, PacketError, PayloadType } from './packet.js';
import {
  deriveSessionKeys,
  kuidFromPassword,
  type RakpIdentity,
  rakp2AuthCode,
  rakp3AuthCode,
  rakp4Icv,
} from './rakp.js';

/**
 * Cipher suite 17 (RAKP-HMAC-SHA256, HMAC-SHA256-128, AES-CBC-128). ipmi_sim
 * does not offer it, so these expected values were computed at authoring time
 * with the openssl CLI alone (openssl dgst -sha256 -mac HMAC -macopt hexkey:..,
 * openssl enc -aes-128-cbc -nopad), not with havoc's code:
 *   password "P@ssw0rd-17", user "hvadmin", console session 0xa0a2a3a4,
 *   BMC session 0x00000082, Rc = 00..0f, Rm = 10..1f,
 *   GUID a123456789abcdefa123456789abcdef, role 0x14.
 */
const hex = (s: string) => Buffer.from(s, 'hex');

const id: RakpIdentity = {
  consoleSessionId: 0xa0a2a3a4,
  bmcSessionId: 0x00000082,
  consoleRandom: hex('000102030405060708090a0b0c0d0e0f'),
  role: 0x14,
  user: Buffer.from('hvadmin'),
};
const bmcRandom = hex('101112131415161718191a1b1c1d1e1f');
const guid = hex('a123456789abcdefa123456789abcdef');
const suite = CIPHER_SUITES[17];
const kuid = kuidFromPassword('P@ssw0rd-17');

const expected = {
  rakp2: '6decbfa66d4acaa486116756f1138453e1b1059fdbe1b6a8057a3788aca468d6',
  sik: '8390ccd3d94cd2e16c554b64e125b97bd8d2d9a4f82a6fdf102f98485e821767',
  k1: '0e6fed2e1cdefe6716b44b7d9f1e392cf9aadcfd3f10b4419b6f3b72468e2947',
  k2: '519ebae5d088573f94f330e0ee02c79125c6c0596e4874ebe101f1fedc77fd87',
  rakp3: '1cfd40b1cd7d5a67b44514309f2317662ec912a9fde18c8bd7cdfa90f7acdd3d',
  rakp4: 'e997e77fdfd7dff358786caa423149bd',
  // Get Chassis Status (rqSeq 1), session sequence 1, IV f0..ff.
  packet:
    '0600ff0706c082000000010000002000f0f1f2f3f4f5f6f7f8f9fafbfcfdfeffc0d3291cde7751ce7e855c6f2f03cbfcffff02074e9f5e48c7b65bf7272c8cf063f3d67f',
};

describe('cipher suite 17 key exchange (vectors computed independently with openssl)', () => {
  it('computes the RAKP2 key exchange code (32 bytes)', () => {
    expect(rakp2AuthCode(suite, kuid, id, bmcRandom, guid).toString('hex')).toBe(expected.rakp2);
  });

  it('derives SIK, K1 and K2 (20-byte constants)', () => {
    const keys = deriveSessionKeys(suite, kuid, id, bmcRandom);
    expect(keys.sik.toString('hex')).toBe(expected.sik);
    expect(keys.k1.toString('hex')).toBe(expected.k1);
    expect(keys.k2.toString('hex')).toBe(expected.k2);
  });

  it('computes the RAKP3 code and the RAKP4 ICV truncated to 16 bytes', () => {
    const keys = deriveSessionKeys(suite, kuid, id, bmcRandom);
    expect(rakp3AuthCode(suite, kuid, id, bmcRandom).toString('hex')).toBe(expected.rakp3);
    expect(rakp4Icv(suite, keys.sik, id, guid).toString('hex')).toBe(expected.rakp4);
  });

  it('encrypts with AES-CBC-128 and signs with HMAC-SHA256-128 byte for byte', () => {
    const keys = deriveSessionKeys(suite, kuid, id, bmcRandom);
    const crypto = { suite, k1: keys.k1, k2: keys.k2 };
    const message = encodeRequest({ netFn: 0x00, cmd: 0x01, rqSeq: 1, data: new Uint8Array(0) });
    const packet = encodeRmcpPlus(
      PayloadType.ipmi,
      0x82,
      1,
      message,
      crypto,
      hex('f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff'),
    );
    expect(packet.toString('hex')).toBe(expected.packet);
    const decoded = decodeRmcpPlus(packet, crypto);
    expect(decoded.payload).toEqual(message);
  });

  it('rejects the packet under keys derived from another password (AuthCode mismatch)', () => {
    const keys = deriveSessionKeys(suite, kuidFromPassword('other'), id, bmcRandom);
    expect(() => decodeRmcpPlus(hex(expected.packet), { suite, k1: keys.k1, k2: keys.k2 })).toThrow(
      PacketError,
    );
  });

  it('pads to whole AES blocks with 01 02 .. n, n (16-byte message gives 2 blocks)', () => {
    const keys = deriveSessionKeys(suite, kuid, id, bmcRandom);
    const sixteen = Buffer.alloc(16, 0xaa);
    const encrypted = encryptAesCbc128(keys.k2, sixteen, hex('f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff'));
    expect(encrypted.length).toBe(16 + 32);
    expect(decryptAesCbc128(keys.k2, encrypted)).toEqual(sixteen);
  });
});
