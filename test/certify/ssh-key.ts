import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { tempDir } from '../support/temp-dir.js';

/** A fresh ed25519 key pair made by the real ssh-keygen (openssh-client); returns the private key's path. */
export function sshKey(passphrase = ''): { key: string; pub: string } {
  const key = join(tempDir('havoc-ssh-key-'), 'id_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', passphrase, '-C', 'certifier@test', '-f', key], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { key, pub: `${key}.pub` };
}
