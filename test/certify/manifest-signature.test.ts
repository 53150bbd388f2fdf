import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyManifest, writeManifest } from '../../certify/manifest.js';
import { SIGNATURE_NAMESPACE, signManifest, verifySignature } from '../../certify/manifest-signature.js';
import { deadlineSignal, pollUntil } from '../../core/deadline.js';
import { HavocError } from '../../core/errors.js';
import { tempDir } from '../support/temp-dir.js';
import { certificationFolder } from './certification-folder.js';
import { sshKey } from './ssh-key.js';

/*
 * Signing and checking with the real ssh-keygen (OpenSSH's -Y sign / -Y
 * verify), keys made by ssh-keygen in the test's temporary folder.
 */

async function sealedFolder(key: string): Promise<string> {
  const dir = certificationFolder();
  await writeManifest(dir);
  await signManifest(dir, key);
  return dir;
}

describe('signManifest / verifySignature (real ssh-keygen)', () => {
  it('a signed manifest verifies with the signing key', async () => {
    const { key, pub } = sshKey();
    const dir = await sealedFolder(key);
    expect(readFileSync(join(dir, 'manifest.json.sig'), 'utf8')).toMatch(/^-----BEGIN SSH SIGNATURE-----/);
    const r = await verifySignature(dir, pub);
    expect(r.good).toBe(true);
    expect(r.message).toMatch(/^Good "havoc-certify" signature for havoc-certify with ED25519 key SHA256:/);
  });

  it('fails with another key, saying so', async () => {
    const { key } = sshKey();
    const other = sshKey();
    const dir = await sealedFolder(key);
    const r = await verifySignature(dir, other.pub);
    expect(r.good).toBe(false);
    expect(r.message).toContain('Could not verify signature');
  });

  it('fails once the manifest is changed after signing, and the manifest check names the file changed', async () => {
    const { key, pub } = sshKey();
    const dir = await sealedFolder(key);
    // One byte of one evidence file, then the manifest rewritten to match: only the signature can tell.
    const evidence = join(dir, 'evidence/fence/host1-level1.json');
    writeFileSync(evidence, readFileSync(evidence, 'utf8').replace('6200', '6300'));
    expect((await verifyManifest(dir)).changed.map((c) => c.path)).toEqual([
      'evidence/fence/host1-level1.json',
    ]);
    await writeManifest(dir);
    expect((await verifyManifest(dir)).intact).toBe(true);
    const r = await verifySignature(dir, pub);
    expect(r.good).toBe(false);
    expect(r.message).toContain('Could not verify signature');
  });

  it('signing again replaces the old signature without asking (no prompt, no hang)', async () => {
    const { key, pub } = sshKey();
    const dir = await sealedFolder(key);
    const before = readFileSync(join(dir, 'manifest.json.sig'), 'utf8');
    writeFileSync(join(dir, 'certification.html'), 'rewritten');
    await writeManifest(dir);
    await signManifest(dir, key);
    expect(readFileSync(join(dir, 'manifest.json.sig'), 'utf8')).not.toBe(before);
    expect((await verifySignature(dir, pub)).good).toBe(true);
  });

  it('a passphrase-protected key is a clear error at once, never a wait for a terminal, and leaves no signature', async () => {
    const { key } = sshKey('correct horse battery staple');
    const dir = certificationFolder();
    await writeManifest(dir);
    const started = process.hrtime.bigint();
    const err = (await signManifest(dir, key).catch((e: unknown) => e)) as HavocError;
    console.log(
      `signManifest with a passphrase-protected key failed after ${Number(process.hrtime.bigint() - started) / 1e6} ms`,
    );
    expect(err).toBeInstanceOf(HavocError);
    expect(err.code).toBe('input');
    expect(err.message).toContain(`signing key ${key} is protected by a passphrase`);
    expect(err.hint).toContain('ssh-agent');
    expect(existsSync(join(dir, 'manifest.json.sig'))).toBe(false);
  });

  it('with a terminal (script(1) gives the process a pty), a passphrase-protected key still fails instead of prompting on it', async () => {
    const { key } = sshKey('correct horse battery staple');
    const dir = certificationFolder();
    await writeManifest(dir);
    const main = join(tempDir('havoc-tty-'), 'sign.mts');
    const module = new URL('../../certify/manifest-signature.ts', import.meta.url).pathname;
    writeFileSync(
      main,
      `import { signManifest } from ${JSON.stringify(module)};
try { await signManifest(${JSON.stringify(dir)}, ${JSON.stringify(key)}); console.log('RESULT signed'); }
catch (e) { console.log('RESULT error: ' + e.message); }
`,
    );
    // Without a new session ssh-keygen would open /dev/tty and wait there for a passphrase; the guard kills it after 15 s (ssh-keygen itself gives up after 30 s).
    const r = spawnSync('script', ['-qec', `node --import tsx ${main}`, '/dev/null'], {
      cwd: process.cwd(),
      encoding: 'utf8',
      timeout: 15_000,
      killSignal: 'SIGKILL',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(
      r.signal,
      `script(1) was killed, the child waited on its terminal; output: ${r.stdout}`,
    ).toBeNull();
    expect(r.stdout).toContain(`RESULT error: signing key ${key} is protected by a passphrase`);
  }, 30_000);

  it('a passphrase-protected key loaded into a real ssh-agent signs, as the error hint says', async () => {
    const passphrase = 'correct horse battery staple';
    const { key, pub } = sshKey(passphrase);
    const scratch = tempDir('havoc-agent-');
    const sock = join(scratch, 'agent.sock');
    const agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
    try {
      await pollUntil(
        async () => (existsSync(sock) ? true : undefined),
        deadlineSignal(10_000, 'ssh-agent socket'),
        { initialMs: 10, maxMs: 200 },
      );
      const askpass = join(scratch, 'askpass');
      writeFileSync(askpass, `#!/bin/sh\necho '${passphrase}'\n`);
      chmodSync(askpass, 0o700);
      execFileSync('ssh-add', [key], {
        env: { ...process.env, SSH_AUTH_SOCK: sock, SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: 'force' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const dir = certificationFolder();
      await writeManifest(dir);
      // Without the agent the same key is refused (the test above); with it, ssh-keygen asks the agent.
      await expect(
        signManifest(dir, key, { env: { ...process.env, SSH_AUTH_SOCK: undefined } }),
      ).rejects.toThrow('protected by a passphrase');
      await signManifest(dir, key, { env: { ...process.env, SSH_AUTH_SOCK: sock } });
      expect((await verifySignature(dir, pub)).good).toBe(true);
    } finally {
      agent.kill();
    }
  });

  it('a key file that is not a key: ssh-keygen says why, no stack trace', async () => {
    const dir = certificationFolder();
    await writeManifest(dir);
    const notKey = join(tempDir('havoc-not-key-'), 'key');
    writeFileSync(notKey, 'not a key\n', { mode: 0o600 });
    const err = (await signManifest(dir, notKey).catch((e: unknown) => e)) as HavocError;
    expect(err).toBeInstanceOf(HavocError);
    expect(err.message).toMatch(/^cannot sign .*manifest\.json with .*key: ssh-keygen said: /);
    await expect(signManifest(dir, join(dir, 'no-such-key'))).rejects.toThrow('no-such-key: no such file');
  });

  it('a private key given as the public key is refused before anything runs', async () => {
    const { key } = sshKey();
    const dir = await sealedFolder(key);
    await expect(verifySignature(dir, key)).rejects.toThrow('is a private key, not a public one');
    const garbage = join(tempDir('havoc-pub-'), 'x.pub');
    writeFileSync(garbage, 'hello world\n');
    await expect(verifySignature(dir, garbage)).rejects.toThrow('not an OpenSSH public key');
  });

  it('an unsigned folder does not verify', async () => {
    const { pub } = sshKey();
    const dir = certificationFolder();
    await writeManifest(dir);
    expect(await verifySignature(dir, pub)).toEqual({
      good: false,
      message: 'no manifest.json.sig: the manifest is not signed',
    });
  });

  it('plain ssh-keygen verifies it with the allowed_signers line the README gives (a receiver without havoc)', async () => {
    const { key, pub } = sshKey();
    const dir = await sealedFolder(key);
    const [type, base64] = readFileSync(pub, 'utf8').split(' ');
    const allowed = join(tempDir('havoc-receiver-'), 'allowed_signers');
    writeFileSync(allowed, `havoc-certify namespaces="${SIGNATURE_NAMESPACE}" ${type} ${base64}\n`);
    const out = execFileSync(
      'ssh-keygen',
      [
        '-Y',
        'verify',
        '-f',
        allowed,
        '-I',
        'havoc-certify',
        '-n',
        'havoc-certify',
        '-s',
        join(dir, 'manifest.json.sig'),
      ],
      { input: readFileSync(join(dir, 'manifest.json')), encoding: 'utf8' },
    );
    expect(out).toContain('Good "havoc-certify" signature for havoc-certify');
  });
});
