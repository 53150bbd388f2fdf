import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Writes a fresh random secret to `<dir>/secrets/<name>` with mode 0600 and
 * returns the path; the inventory refers to it as {file: path}.
 * IPMI 2.0 passwords are at most 20 bytes, so lengths stay short.
 */
export function writeSecretFile(stateDir: string, name: string, hexChars = 16): string {
  const dir = join(stateDir, 'secrets');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, name);
  writeFileSync(
    path,
    `${randomBytes(Math.ceil(hexChars / 2))
      .toString('hex')
      .slice(0, hexChars)}\n`,
    { mode: 0o600 },
  );
  return path;
}
