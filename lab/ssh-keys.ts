import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execProgram } from '../core/exec.js';

/** Generates an ed25519 key pair without a passphrase; returns the private key path. */
export async function generateKey(path: string, comment: string, signal: AbortSignal): Promise<string> {
  await execProgram(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', path], { signal });
  return path;
}

/** "ssh-ed25519 AAAA..." from a public key file, without its comment. */
export function publicKeyLine(privateKeyPath: string): string {
  const [type, blob] = readFileSync(`${privateKeyPath}.pub`, 'utf8').trim().split(/\s+/);
  return `${type} ${blob}`;
}

/** One known_hosts line per host, listing its name and address. */
export function writeKnownHosts(
  path: string,
  hosts: readonly { names: string[]; hostKeyPath: string }[],
): void {
  const lines = hosts.map((h) => `${h.names.join(',')} ${publicKeyLine(h.hostKeyPath)}`);
  writeFileSync(path, `${lines.join('\n')}\n`, { mode: 0o644 });
}

export function sshdConfig(hostDir: string, listen: string): string {
  return [
    '# havoc lab host sshd: key authentication only; generated.',
    `ListenAddress ${listen}`,
    `HostKey ${join(hostDir, 'ssh_host_ed25519_key')}`,
    `AuthorizedKeysFile ${join(hostDir, 'authorized_keys')}`,
    'PidFile none',
    'PermitRootLogin prohibit-password',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    // The state directory may live under any parent (HAVOC_LAB_DIR); the keys in it are root's own.
    'StrictModes no',
    'PrintMotd no',
    'Subsystem sftp internal-sftp',
    '',
  ].join('\n');
}
