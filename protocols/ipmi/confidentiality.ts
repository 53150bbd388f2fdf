import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * AES-CBC-128 payload encryption (IPMI 2.0 section 13.29): IV(16) followed by
 * the ciphertext of `data || 01 02 .. n || n`, padded to 16 bytes by IPMI's
 * own scheme, so the cipher runs without automatic (PKCS#7) padding.
 */

const BLOCK = 16;

export function encryptAesCbc128(
  key: Uint8Array,
  data: Uint8Array,
  iv: Uint8Array = randomBytes(BLOCK),
): Buffer {
  const padLength = (BLOCK - ((data.length + 1) % BLOCK)) % BLOCK;
  const plain = Buffer.alloc(data.length + padLength + 1);
  plain.set(data, 0);
  for (let i = 0; i < padLength; i++) plain[data.length + i] = i + 1;
  plain[plain.length - 1] = padLength;
  const cipher = createCipheriv('aes-128-cbc', key.subarray(0, BLOCK), iv);
  cipher.setAutoPadding(false);
  return Buffer.concat([Buffer.from(iv), cipher.update(plain), cipher.final()]);
}

export class DecryptError extends Error {}

export function decryptAesCbc128(key: Uint8Array, payload: Uint8Array): Buffer {
  if (payload.length < 2 * BLOCK || payload.length % BLOCK !== 0) {
    throw new DecryptError(`encrypted payload of ${payload.length} bytes is not IV + whole AES blocks`);
  }
  const decipher = createDecipheriv('aes-128-cbc', key.subarray(0, BLOCK), payload.subarray(0, BLOCK));
  decipher.setAutoPadding(false);
  const plain = Buffer.concat([decipher.update(payload.subarray(BLOCK)), decipher.final()]);
  const padLength = plain[plain.length - 1]!;
  if (padLength >= BLOCK || padLength + 1 > plain.length) {
    throw new DecryptError(`bad confidentiality pad length ${padLength} (wrong K2?)`);
  }
  return plain.subarray(0, plain.length - 1 - padLength);
}
