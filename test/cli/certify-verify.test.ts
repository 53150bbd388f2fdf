import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeManifest } from '../../certify/manifest.js';
import { signManifest } from '../../certify/manifest-signature.js';
import { certificationFolder } from '../certify/certification-folder.js';
import { sshKey } from '../certify/ssh-key.js';
import { tempDir } from '../support/temp-dir.js';
import { havoc } from './run.js';

/* `havoc certify verify DIR [--public-key FILE]` through the CLI, on folders sealed and signed with the real ssh-keygen. */

async function signedFolder() {
  const { key, pub } = sshKey();
  const dir = certificationFolder();
  await writeManifest(dir);
  await signManifest(dir, key);
  return { dir, pub };
}

function flipOneByte(file: string): void {
  const bytes = readFileSync(file);
  bytes[0] = bytes[0]! ^ 0x20;
  writeFileSync(file, bytes);
}

describe('havoc certify verify', () => {
  it('an intact folder with a good signature: exit 0, says so', async () => {
    const { dir, pub } = await signedFolder();
    const r = await havoc(['certify', 'verify', dir, '--public-key', pub]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^${dir}: intact, 6 file\\(s\\) match manifest\\.json\\n`));
    expect(r.stdout).toMatch(
      /\nsignature of manifest.json: good \(Good "havoc-certify" signature for havoc-certify with ED25519 key SHA256:/,
    );
  });

  it('an intact folder without --public-key: exit 0, the signature not checked', async () => {
    const { dir } = await signedFolder();
    const r = await havoc(['certify', 'verify', dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('signature');
  });

  it('one byte of one evidence file changed: exit 1, the file named with both hashes', async () => {
    const { dir, pub } = await signedFolder();
    flipOneByte(join(dir, 'evidence/live-checks.json'));
    const r = await havoc(['certify', 'verify', dir, '--public-key', pub]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      `${dir}: CHANGED since it was sealed (manifest.json lists 6 file(s)): 1 changed, 0 missing, 0 added, 0 uncheckable`,
    );
    expect(r.stdout).toMatch(
      /\n {2}changed {2}evidence\/live-checks\.json: sha256 [0-9a-f]{12}\.\.\. -> [0-9a-f]{12}\.\.\., 45 -> 45 bytes\n/,
    );
    // The manifest itself was not touched, so its signature still holds: the files are what changed.
    expect(r.stdout).toContain('signature of manifest.json: good');
  });

  it('every changed, missing and added file in one run, as JSON', async () => {
    const { dir } = await signedFolder();
    flipOneByte(join(dir, 'certification.json'));
    rmSync(join(dir, 'suite/report.html'));
    writeFileSync(join(dir, 'notes.txt'), 'added');
    const r = await havoc(['--json', 'certify', 'verify', dir]);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({
      dir,
      listed: 6,
      intact: false,
      ok: false,
      missing: ['suite/report.html'],
      added: ['notes.txt'],
      refused: [],
    });
    expect(out.changed.map((c: { path: string }) => c.path)).toEqual(['certification.json']);
  });

  it('signed with another key: exit 1, signature BAD', async () => {
    const { dir } = await signedFolder();
    const other = sshKey();
    const r = await havoc(['certify', 'verify', dir, '--public-key', other.pub]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`${dir}: intact`);
    expect(r.stdout).toMatch(/\nsignature of manifest.json: BAD \(.*Could not verify signature/);
  });

  it('a manifest rewritten to match a changed file: exit 1 on the signature, as JSON', async () => {
    const { dir, pub } = await signedFolder();
    flipOneByte(join(dir, 'evidence/fence/host1-level1.json'));
    await writeManifest(dir);
    const r = await havoc(['--json', 'certify', 'verify', dir, '--public-key', pub]);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.intact).toBe(true);
    expect(out.signature).toMatchObject({ publicKey: pub, good: false });
    expect(out.ok).toBe(false);
  });

  it('a folder signed by nobody, checked with a key: exit 1, says it is not signed', async () => {
    const { pub } = sshKey();
    const dir = certificationFolder();
    await writeManifest(dir);
    const r = await havoc(['certify', 'verify', dir, '--public-key', pub]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      'signature of manifest.json: BAD (no manifest.json.sig: the manifest is not signed)',
    );
  });

  it('a folder without manifest: exit 3, not a certification folder, no stack trace', async () => {
    const dir = certificationFolder();
    const r = await havoc(['certify', 'verify', dir]);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `havoc: ${dir}: not a certification folder: no manifest.json: havoc certify --out DIR writes manifest.json into DIR\n`,
    );
  });

  it('a folder that does not exist: exit 3', async () => {
    const dir = join(tempDir('havoc-verify-'), 'nope');
    const r = await havoc(['certify', 'verify', dir]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`${dir}: no such folder`);
  });

  it('a public key file that is not one: exit 3, named', async () => {
    const { dir } = await signedFolder();
    const bad = join(tempDir('havoc-verify-'), 'key.pub');
    writeFileSync(bad, 'ssh-ed25519 bm90IGEga2V5\n');
    const r = await havoc(['certify', 'verify', dir, '--public-key', bad]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`${bad}: not an OpenSSH public key`);
  });

  it('usage errors exit 2: no DIR, an unknown option', async () => {
    expect((await havoc(['certify', 'verify'])).code).toBe(2);
    const r = await havoc(['certify', 'verify', '/tmp', '--pubkey', 'x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown option '--pubkey'");
  });

  it('--help describes the command and its exit codes', async () => {
    const r = await havoc(['certify', 'verify', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--public-key <file>');
    expect(r.stdout).toContain('exit 0 intact');
  });
});
