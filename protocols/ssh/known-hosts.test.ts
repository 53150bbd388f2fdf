import { execFile } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../test/support/temp-dir.js';
import { HostKeyError } from './errors.js';
import { hostKeyCheck } from './host-key.js';
import { checkKnownHost, knownHostsName, parseKnownHosts, sha256Fingerprint } from './known-hosts.js';

// OpenSSH's own ssh-keygen is the reference: it makes the keys, hashes known_hosts (-H) and prints fingerprints (-l).
const run = promisify(execFile);
let dir: string;
let keyA: { blob: Buffer; line: string };
let keyB: { blob: Buffer; line: string };

async function makeKey(name: string): Promise<{ blob: Buffer; line: string }> {
  try {
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', join(dir, name)]);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new Error('ssh-keygen not found: install the Debian package openssh-client');
    throw err;
  }
  const [type, b64] = readFileSync(join(dir, `${name}.pub`), 'utf8')
    .trim()
    .split(/\s+/);
  return { blob: Buffer.from(b64!, 'base64'), line: `${type} ${b64}` };
}

beforeAll(async () => {
  dir = tempDir('havoc-kh-');
  keyA = await makeKey('a');
  keyB = await makeKey('b');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('known_hosts (checked against ssh-keygen)', () => {
  it('computes the SHA256 fingerprint exactly as ssh-keygen -l prints it', async () => {
    const { stdout } = await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', join(dir, 'a.pub')]);
    expect(stdout.split(' ')[1]).toBe(sha256Fingerprint(keyA.blob));
  });

  it('matches plain, [host]:port and ssh-keygen -H hashed entries, and tells a changed key from an unknown host', async () => {
    const file = join(dir, 'known_hosts');
    writeFileSync(file, `10.0.0.1,host1 ${keyA.line}\n[10.0.0.2]:2222 ${keyA.line}\n10.0.0.3 ${keyA.line}\n`);
    await run('ssh-keygen', ['-H', '-f', file]);
    const text = readFileSync(file, 'utf8');
    expect(text).toMatch(/^\|1\|/m);
    expect(text).not.toContain('10.0.0.3');
    const entries = parseKnownHosts(text, file);
    expect(checkKnownHost(entries, ['10.0.0.3'], keyA.blob).kind).toBe('match');
    expect(checkKnownHost(entries, ['host1'], keyA.blob).kind).toBe('match');
    expect(checkKnownHost(entries, [knownHostsName('10.0.0.2', 2222)], keyA.blob).kind).toBe('match');
    expect(checkKnownHost(entries, ['10.0.0.2'], keyA.blob).kind).toBe('unknown');
    const changed = checkKnownHost(entries, ['10.0.0.3'], keyB.blob);
    expect(changed.kind).toBe('mismatch');
    expect(checkKnownHost(entries, ['10.0.0.9'], keyA.blob).kind).toBe('unknown');
  });

  it('honours wildcards, negation and @revoked', () => {
    const entries = parseKnownHosts(
      `*.lab,!bad.lab ${keyA.line}\n@revoked * ${keyB.line}\n@cert-authority *.lab ${keyB.line}\n`,
      'kh',
    );
    expect(checkKnownHost(entries, ['h1.lab'], keyA.blob).kind).toBe('match');
    expect(checkKnownHost(entries, ['bad.lab'], keyA.blob).kind).toBe('unknown');
    expect(checkKnownHost(entries, ['h1.lab'], keyB.blob).kind).toBe('revoked');
  });

  it('names file and line of a malformed entry', () => {
    expect(() => parseKnownHosts(`host1 ${keyA.line}\nhost2 ssh-ed25519\n`, '/etc/kh')).toThrow(
      /\/etc\/kh line 2: expected "<hosts> <key type> <base64 key>"/,
    );
    expect(() => parseKnownHosts(`@bogus host ${keyA.line}\n`, 'kh')).toThrow(
      /kh line 1: unknown marker @bogus/,
    );
  });

  it('refuses a changed key with a message naming host, seen and expected fingerprints', async () => {
    const file = join(dir, 'kh-check');
    writeFileSync(file, `10.1.0.5 ${keyA.line}\n`);
    const check = await hostKeyCheck({
      name: 'host5',
      address: '10.1.0.5',
      port: 22,
      user: 'root',
      keyFile: 'k',
      knownHostsFile: file,
    });
    expect(check.problem(keyA.blob)).toBeUndefined();
    const problem = check.problem(keyB.blob);
    expect(problem).toBeInstanceOf(HostKeyError);
    expect(problem?.code).toBe('host-key');
    expect(problem?.message).toContain('host5 (10.1.0.5:22)');
    expect(problem?.message).toContain(`seen ssh-ed25519 ${sha256Fingerprint(keyB.blob)}`);
    expect(problem?.message).toContain(`expected ssh-ed25519 ${sha256Fingerprint(keyA.blob)}`);
  });

  it('checks a pinned fingerprint, and accepts nothing when no key source is configured', async () => {
    const pinned = await hostKeyCheck({
      name: 'h',
      address: '10.1.0.6',
      port: 22,
      user: 'root',
      keyFile: 'k',
      hostKeyFingerprint: sha256Fingerprint(keyA.blob),
    });
    expect(pinned.problem(keyA.blob)).toBeUndefined();
    expect(pinned.problem(keyB.blob)?.message).toMatch(
      /does not match the pinned fingerprint: seen .* expected SHA256:/,
    );
    await expect(
      hostKeyCheck({ name: 'h', address: 'a', port: 22, user: 'root', keyFile: 'k' }),
    ).rejects.toThrow(/no host key to verify h \(a:22\) against/);
  });
});
