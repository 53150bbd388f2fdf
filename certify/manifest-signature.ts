import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deadlineSignal } from '../core/deadline.js';
import { HavocError } from '../core/errors.js';
import { execProgram } from '../core/exec.js';
import { CERTIFICATION_FILES } from './certification.js';

/*
 * The manifest signed with an SSH key (`ssh-keygen -Y sign`, OpenSSH's
 * SSHSIG format), so a receiver with only OpenSSH can prove who sealed the
 * folder. The namespace keeps a havoc signature from being replayed as any
 * other kind (a git commit, a file signed for something else).
 *
 * Principal scheme: the receiver trusts a public key, not a name, so the
 * allowed_signers file has one line for the fixed principal `havoc-certify`
 * restricted to the namespace:
 *   havoc-certify namespaces="havoc-certify" ssh-ed25519 AAAA...
 */

export const SIGNATURE_NAMESPACE = 'havoc-certify';
export const SIGNATURE_PRINCIPAL = 'havoc-certify';

const SSH_KEYGEN_TIMEOUT_MS = 30_000;

/** ssh-keygen under a deadline; past it, killed, and a TimeoutError naming what it was doing. */
function sshKeygen(
  args: readonly string[],
  what: string,
  opts: { env?: NodeJS.ProcessEnv; input?: Buffer } = {},
) {
  return execProgram(['ssh-keygen', ...args], {
    ...opts,
    signal: deadlineSignal(SSH_KEYGEN_TIMEOUT_MS, `ssh-keygen ${what}`),
    noTerminal: true,
    allowFailure: true,
  });
}

/** Without an askpass program or display, ssh-keygen can only fail where it would prompt. */
function quietEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { SSH_ASKPASS: _a, SSH_ASKPASS_REQUIRE: _r, DISPLAY: _d, ...rest } = env;
  return rest;
}

/** Everything ssh-keygen said, on one line. */
function sshKeygenOutput(stderr: string, stdout: string): string {
  return `${stdout}\n${stderr}`
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .join('; ');
}

/**
 * Signs DIR/manifest.json into DIR/manifest.json.sig with the private key at
 * keyPath (or its public half with the private key in ssh-agent). Never
 * prompts: a key protected by a passphrase and not in the agent is an error.
 * `env` is where SSH_AUTH_SOCK is read (the CLI's environment).
 */
export async function signManifest(
  dir: string,
  keyPath: string,
  opts: { env?: NodeJS.ProcessEnv } = {},
): Promise<string> {
  const manifest = join(dir, CERTIFICATION_FILES.manifest);
  const signature = join(dir, CERTIFICATION_FILES.signature);
  if (!existsSync(manifest))
    throw new HavocError('input', `${dir}: no ${CERTIFICATION_FILES.manifest} to sign`, {
      target: dir,
      hint: 'write the manifest first (writeManifest)',
    });
  if (!existsSync(keyPath))
    throw new HavocError('input', `signing key ${keyPath}: no such file`, {
      target: keyPath,
      hint: "an SSH private key without passphrase (ssh-keygen -t ed25519 -N '' -f KEY), or KEY.pub with the key in ssh-agent",
    });
  // ssh-keygen asks before overwriting an old signature; it is replaced anyway.
  await unlink(signature).catch(() => {});
  const r = await sshKeygen(
    ['-Y', 'sign', '-f', keyPath, '-n', SIGNATURE_NAMESPACE, manifest],
    `signing ${manifest}`,
    {
      env: quietEnv(opts.env ?? process.env),
    },
  );
  const said = sshKeygenOutput(r.stderr, r.stdout);
  if (r.code === 0 && existsSync(signature)) return signature;
  await unlink(signature).catch(() => {});
  if (/passphrase/i.test(said))
    throw new HavocError(
      'input',
      `signing key ${keyPath} is protected by a passphrase (ssh-keygen: ${said})`,
      {
        target: keyPath,
        hint: 'havoc signs without a terminal: load the key into ssh-agent first (ssh-add KEY, with SSH_AUTH_SOCK set), or use a key without passphrase',
      },
    );
  throw new HavocError(
    'sign',
    `cannot sign ${manifest} with ${keyPath}: ssh-keygen said: ${said || `exit ${r.code}`}`,
    {
      target: keyPath,
      hint: 'check that the file is an SSH private key (ssh-keygen -l -f KEY)',
    },
  );
}

/** The key type a public key blob names first (RFC 4253 6.6: a length-prefixed string). */
function keyBlobType(base64: string): string | undefined {
  const blob = Buffer.from(base64, 'base64');
  if (blob.length < 4) return undefined;
  const n = blob.readUInt32BE(0);
  return n > 0 && n < 64 && blob.length >= 4 + n ? blob.subarray(4, 4 + n).toString('latin1') : undefined;
}

/** `type base64` of the first key line of an OpenSSH public key file. */
function readPublicKey(publicKeyFile: string): string {
  let text: string;
  try {
    text = readFileSync(publicKeyFile, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new HavocError(
      'input',
      `public key ${publicKeyFile}: ${code === 'ENOENT' ? 'no such file' : `cannot read (${code ?? String(err)})`}`,
      { target: publicKeyFile, hint: "the signer's public key, KEY.pub next to the key that signed" },
    );
  }
  if (text.includes('PRIVATE KEY'))
    throw new HavocError('input', `${publicKeyFile} is a private key, not a public one`, {
      target: publicKeyFile,
      hint: 'give the public half (KEY.pub; ssh-keygen -y -f KEY prints it), and keep the private key to yourself',
    });
  const line = text
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l && !l.startsWith('#'));
  const [type = '', base64 = ''] = line?.split(/\s+/) ?? [];
  if (!/^[A-Za-z0-9+/]+=*$/.test(base64) || keyBlobType(base64) !== type)
    throw new HavocError('input', `${publicKeyFile}: not an OpenSSH public key`, {
      target: publicKeyFile,
      hint: 'a line "ssh-ed25519 AAAA... comment", as in KEY.pub',
    });
  return `${type} ${base64}`;
}

export interface SignatureCheck {
  good: boolean;
  /** What ssh-keygen said (its "Good ... signature" line, or why it refused). */
  message: string;
}

/** Checks DIR/manifest.json.sig against the public key with `ssh-keygen -Y verify`. */
export async function verifySignature(dir: string, publicKeyFile: string): Promise<SignatureCheck> {
  const key = readPublicKey(publicKeyFile);
  const manifest = join(dir, CERTIFICATION_FILES.manifest);
  const signature = join(dir, CERTIFICATION_FILES.signature);
  if (!existsSync(signature))
    return { good: false, message: `no ${CERTIFICATION_FILES.signature}: the manifest is not signed` };
  let manifestBytes: Buffer;
  try {
    manifestBytes = readFileSync(manifest);
  } catch {
    return { good: false, message: `no readable ${CERTIFICATION_FILES.manifest} to check the signature of` };
  }
  const scratch = await mkdtemp(join(tmpdir(), 'havoc-allowed-signers-'));
  try {
    const allowed = join(scratch, 'allowed_signers');
    await writeFile(allowed, `${SIGNATURE_PRINCIPAL} namespaces="${SIGNATURE_NAMESPACE}" ${key}\n`);
    const r = await sshKeygen(
      ['-Y', 'verify', '-f', allowed, '-I', SIGNATURE_PRINCIPAL, '-n', SIGNATURE_NAMESPACE, '-s', signature],
      `checking ${signature}`,
      { input: manifestBytes },
    );

    return {
      good: r.code === 0,
      message: sshKeygenOutput(r.stderr, r.stdout) || `ssh-keygen exit ${r.code}`,
    };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
