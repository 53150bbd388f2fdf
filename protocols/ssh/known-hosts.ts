import { createHash, createHmac } from 'node:crypto';
import { HavocError } from '../../core/errors.js';

/**
 * OpenSSH known_hosts (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"): an optional
 * marker, host patterns (comma-separated, wildcards, "!" negation,
 * "[host]:port" for non-22 ports, or one hashed "|1|salt|hmac" name), the key
 * type and the base64 key blob.
 */
export interface KnownHostEntry {
  marker: 'cert-authority' | 'revoked' | undefined;
  patterns: string[];
  keyType: string;
  /** The key blob, base64 as written in the file. */
  key: string;
  line: number;
}

export function parseKnownHosts(text: string, file: string): KnownHostEntry[] {
  const out: KnownHostEntry[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const words = line.split(/\s+/);
    let marker: KnownHostEntry['marker'];
    if (words[0]?.startsWith('@')) {
      const m = words.shift();
      if (m !== '@cert-authority' && m !== '@revoked') {
        throw new HavocError('ssh-known-hosts', `${file} line ${i + 1}: unknown marker ${m}`, {
          hint: 'OpenSSH knows @cert-authority and @revoked',
        });
      }
      marker = m === '@revoked' ? 'revoked' : 'cert-authority';
    }
    const [hosts, keyType, key] = words;
    if (!hosts || !keyType || !key || !/^[A-Za-z0-9+/]+={0,2}$/.test(key)) {
      throw new HavocError(
        'ssh-known-hosts',
        `${file} line ${i + 1}: expected "<hosts> <key type> <base64 key>", got ${JSON.stringify(line.slice(0, 80))}`,
      );
    }
    out.push({ marker, patterns: hosts.split(','), keyType, key, line: i + 1 });
  });
  return out;
}

/** The name OpenSSH looks up: "host" on port 22, "[host]:port" otherwise. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function wildcardMatch(pattern: string, name: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 'i').test(name);
}

function hashedMatch(pattern: string, name: string): boolean {
  const [, magic, salt, hash] = pattern.split('|');
  if (magic !== '1' || !salt || !hash) return false;
  const digest = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
  return digest === hash;
}

/** Whether an entry's patterns name `name` (negations win, as in OpenSSH's match_hostname). */
export function entryNames(entry: KnownHostEntry, name: string): boolean {
  let positive = false;
  for (const pattern of entry.patterns) {
    if (pattern.startsWith('|')) {
      if (hashedMatch(pattern, name)) positive = true;
    } else if (pattern.startsWith('!')) {
      if (wildcardMatch(pattern.slice(1), name)) return false;
    } else if (wildcardMatch(pattern, name)) {
      positive = true;
    }
  }
  return positive;
}

/** "SHA256:<base64 without padding>", as ssh-keygen -l prints it. */
export function sha256Fingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type written inside an SSH public key blob (its first length-prefixed string). */
export function keyTypeOfBlob(keyBlob: Buffer): string {
  if (keyBlob.length < 4) return 'unknown';
  const len = keyBlob.readUInt32BE(0);
  return len > 0 && len < 64 && keyBlob.length >= 4 + len
    ? keyBlob.subarray(4, 4 + len).toString('latin1')
    : 'unknown';
}

export type KnownHostVerdict =
  | { kind: 'match' }
  /** Entries exist for the host, none with this key: the key changed (or a man in the middle). */
  | { kind: 'mismatch'; expected: KnownHostEntry[] }
  | { kind: 'unknown' }
  | { kind: 'revoked'; entry: KnownHostEntry };

/** Checks a presented key blob against every entry naming any of `names`. */
export function checkKnownHost(
  entries: KnownHostEntry[],
  names: string[],
  keyBlob: Buffer,
): KnownHostVerdict {
  const key = keyBlob.toString('base64');
  const named = entries.filter((e) => e.marker !== 'cert-authority' && names.some((n) => entryNames(e, n)));
  const revoked = entries.find((e) => e.marker === 'revoked' && e.key === key);
  if (revoked) return { kind: 'revoked', entry: revoked };
  if (named.some((e) => e.marker === undefined && e.key === key)) return { kind: 'match' };
  const expected = named.filter((e) => e.marker === undefined);
  return expected.length > 0 ? { kind: 'mismatch', expected } : { kind: 'unknown' };
}

/** ssh2 algorithm names for a known_hosts key type, so the server offers the key we hold. */
export function hostKeyAlgorithmsFor(keyTypes: Iterable<string>): string[] {
  const out: string[] = [];
  for (const t of keyTypes) {
    if (t === 'ssh-rsa') out.push('rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa');
    else out.push(t);
  }
  return [...new Set(out)];
}
