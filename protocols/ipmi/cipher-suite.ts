import { createHmac } from 'node:crypto';

/**
 * The cipher suites havoc speaks (IPMI 2.0 table 22-20). Each suite fixes
 * three algorithms: authentication (RAKP), integrity and confidentiality.
 */

export type CipherSuiteId = 0 | 3 | 17;

export const AuthAlgorithm = { none: 0x00, hmacSha1: 0x01, hmacSha256: 0x03 } as const;
export const IntegrityAlgorithm = { none: 0x00, hmacSha1_96: 0x01, hmacSha256_128: 0x04 } as const;
export const ConfidentialityAlgorithm = { none: 0x00, aesCbc128: 0x01 } as const;

export interface CipherSuite {
  id: CipherSuiteId;
  auth: number;
  integrity: number;
  confidentiality: number;
  /** Hash behind RAKP HMACs and key derivation; undefined for RAKP-none. */
  authHash: 'sha1' | 'sha256' | undefined;
  /** Hash and truncated length of the per-packet AuthCode; undefined when packets are unauthenticated. */
  integrityHash: 'sha1' | 'sha256' | undefined;
  integrityLength: number;
  /** Length of the RAKP4 integrity check value: follows the authentication algorithm, not the integrity one. */
  rakp4IcvLength: number;
  encrypted: boolean;
}

export const CIPHER_SUITES: Readonly<Record<CipherSuiteId, CipherSuite>> = {
  0: {
    id: 0,
    auth: AuthAlgorithm.none,
    integrity: IntegrityAlgorithm.none,
    confidentiality: ConfidentialityAlgorithm.none,
    authHash: undefined,
    integrityHash: undefined,
    integrityLength: 0,
    rakp4IcvLength: 0,
    encrypted: false,
  },
  3: {
    id: 3,
    auth: AuthAlgorithm.hmacSha1,
    integrity: IntegrityAlgorithm.hmacSha1_96,
    confidentiality: ConfidentialityAlgorithm.aesCbc128,
    authHash: 'sha1',
    integrityHash: 'sha1',
    integrityLength: 12,
    rakp4IcvLength: 12,
    encrypted: true,
  },
  17: {
    id: 17,
    auth: AuthAlgorithm.hmacSha256,
    integrity: IntegrityAlgorithm.hmacSha256_128,
    confidentiality: ConfidentialityAlgorithm.aesCbc128,
    authHash: 'sha256',
    integrityHash: 'sha256',
    integrityLength: 16,
    rakp4IcvLength: 16,
    encrypted: true,
  },
};

export function isCipherSuiteId(n: number): n is CipherSuiteId {
  return n === 0 || n === 3 || n === 17;
}

export function hmac(hash: 'sha1' | 'sha256', key: Uint8Array, ...parts: Uint8Array[]): Buffer {
  const h = createHmac(hash, key);
  for (const p of parts) h.update(p);
  return h.digest();
}
