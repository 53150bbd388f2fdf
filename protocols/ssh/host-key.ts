import { readFile } from 'node:fs/promises';
import { HavocError } from '../../core/errors.js';
import { HostKeyError } from './errors.js';
import {
  checkKnownHost,
  entryNames,
  hostKeyAlgorithmsFor,
  keyTypeOfBlob,
  knownHostsName,
  parseKnownHosts,
  sha256Fingerprint,
} from './known-hosts.js';
import type { SshTarget } from './target.js';

/** How one connection attempt checks the key the server presents. */
export interface HostKeyCheck {
  /** Preferred server host key algorithms (those we hold keys of), when known_hosts is used. */
  algorithms: string[] | undefined;
  /** undefined when the key is accepted. */
  problem(keyBlob: Buffer): HostKeyError | undefined;
}

/**
 * Builds the check for a target: every configured source (known_hosts file,
 * pinned fingerprint) must accept the key. With neither configured nothing is
 * accepted: havoc never trusts a key on first use.
 */
export async function hostKeyCheck(target: SshTarget): Promise<HostKeyCheck> {
  const where = `${target.name} (${target.address}:${target.port})`;
  if (!target.knownHostsFile && !target.hostKeyFingerprint) {
    throw new HavocError('host-key', `no host key to verify ${where} against`, {
      target: target.name,
      hint: `set hosts.${target.name}.ssh.knownHostsFile or hostKeyFingerprint (ssh-keyscan -p ${target.port} ${target.address} | ssh-keygen -lf -)`,
    });
  }
  let entries: ReturnType<typeof parseKnownHosts> = [];
  const names = [knownHostsName(target.address, target.port)];
  if (target.name !== target.address) names.push(knownHostsName(target.name, target.port));
  if (target.knownHostsFile) {
    let text: string;
    try {
      text = await readFile(target.knownHostsFile, 'utf8');
    } catch (err) {
      throw new HavocError(
        'host-key',
        `cannot read known_hosts file ${target.knownHostsFile} for ${where}: ${(err as NodeJS.ErrnoException).code ?? err}`,
        { target: target.name },
      );
    }
    entries = parseKnownHosts(text, target.knownHostsFile);
  }
  const held = entries.filter((e) => e.marker === undefined && names.some((n) => entryNames(e, n)));
  return {
    algorithms: held.length > 0 ? hostKeyAlgorithmsFor(held.map((e) => e.keyType)) : undefined,
    problem(keyBlob) {
      const seen = sha256Fingerprint(keyBlob);
      const seenText = `${keyTypeOfBlob(keyBlob)} ${seen}`;
      if (target.knownHostsFile) {
        const verdict = checkKnownHost(entries, names, keyBlob);
        if (verdict.kind === 'revoked') {
          return new HostKeyError(
            `host key of ${where} is marked @revoked in ${target.knownHostsFile} line ${verdict.entry.line} (seen ${seenText})`,
            {
              target: target.name,
              seen,
              expected: [],
              hint: 'the host must get a new key; do not un-revoke it',
            },
          );
        }
        if (verdict.kind === 'unknown') {
          return new HostKeyError(
            `host key of ${where} is unknown: ${target.knownHostsFile} has no entry for ${names.join(' or ')} (seen ${seenText})`,
            {
              target: target.name,
              seen,
              expected: [],
              hint: `verify the fingerprint out of band, then add the key (ssh-keyscan -p ${target.port} ${target.address} >> ${target.knownHostsFile})`,
            },
          );
        }
        if (verdict.kind === 'mismatch') {
          const expected = verdict.expected.map((e) => {
            const fp = sha256Fingerprint(Buffer.from(e.key, 'base64'));
            return `${e.keyType} ${fp} (line ${e.line})`;
          });
          return new HostKeyError(
            `host key of ${where} CHANGED: seen ${seenText}, expected ${expected.join(' or ')} from ${target.knownHostsFile}`,
            {
              target: target.name,
              seen,
              expected: verdict.expected.map((e) => sha256Fingerprint(Buffer.from(e.key, 'base64'))),
              hint: 'the host was reinstalled or someone is in the middle; check out of band before replacing the known_hosts entry',
            },
          );
        }
      }
      const pinned = target.hostKeyFingerprint?.replace(/=+$/, '');
      if (pinned && pinned !== seen) {
        return new HostKeyError(
          `host key of ${where} does not match the pinned fingerprint: seen ${seenText}, expected ${pinned}`,
          {
            target: target.name,
            seen,
            expected: [pinned],
            hint: `check out of band before changing hosts.${target.name}.ssh.hostKeyFingerprint`,
          },
        );
      }
      return undefined;
    },
  };
}
