import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { HavocError } from '../core/errors.js';
import { MIN_SECRET_LENGTH, type Redactor } from '../core/redact.js';
import type { SecretRef } from './schema.js';

/** Keys whose values are secrets: never printed, even when they are wrong. */
export const SECRET_KEYS: ReadonlySet<string> = new Set([
  'password',
  'community',
  'writeCommunity',
  'authKey',
  'privKey',
]);

export function describeRef(ref: SecretRef): string {
  return 'file' in ref ? `file ${ref.file}` : `environment variable ${ref.env}`;
}

/**
 * Resolves secret references relative to the inventory file and registers
 * every value with the redactor the moment it is read, so nothing printed
 * afterwards can carry it.
 */
export class SecretResolver {
  readonly #baseDir: string;
  readonly #redactor: Redactor;
  readonly #env: NodeJS.ProcessEnv;
  readonly #cache = new Map<string, string>();

  constructor(baseDir: string, redactor: Redactor, env: NodeJS.ProcessEnv = process.env) {
    this.#baseDir = baseDir;
    this.#redactor = redactor;
    this.#env = env;
  }

  filePath(ref: { file: string }): string {
    return isAbsolute(ref.file) ? ref.file : resolve(this.#baseDir, ref.file);
  }

  /** @param where the YAML path of the reference, for the error message */
  resolve(ref: SecretRef, where: string): string {
    const key = 'file' in ref ? `file:${this.filePath(ref)}` : `env:${ref.env}`;
    const cached = this.#cache.get(key);
    if (cached !== undefined) return cached;
    let value: string;
    if ('file' in ref) {
      const path = this.filePath(ref);
      try {
        // One trailing newline is what `echo secret > file` leaves; it is not part of the secret.
        value = readFileSync(path, 'utf8').replace(/\r?\n$/, '');
      } catch (err) {
        const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : 'cannot be read';
        throw new HavocError('secret', `${where}: secret file ${path} ${reason}`, {
          hint: 'create it with the secret on one line and mode 0600, or point the reference elsewhere',
        });
      }
    } else {
      const fromEnv = this.#env[ref.env];
      if (fromEnv === undefined) {
        throw new HavocError('secret', `${where}: environment variable ${ref.env} is not set`, {
          hint: `export ${ref.env} before running havoc, or use {file: PATH}`,
        });
      }
      value = fromEnv;
    }
    if (value.length === 0) {
      throw new HavocError('secret', `${where}: the secret in ${describeRef(ref)} is empty`);
    }
    if (value.length < MIN_SECRET_LENGTH) {
      throw new HavocError(
        'secret',
        `${where}: the secret in ${describeRef(ref)} has ${value.length} character${value.length === 1 ? '' : 's'}, too short to be hidden from havoc's output`,
        { hint: `use a secret of at least ${MIN_SECRET_LENGTH} characters (change it on the device too)` },
      );
    }
    this.#redactor.add(value);
    this.#cache.set(key, value);
    return value;
  }

  /** A secret file that others can read is a finding, not a failure. */
  isWorldReadable(ref: SecretRef): boolean {
    if (!('file' in ref)) return false;
    try {
      return (statSync(this.filePath(ref)).mode & 0o044) !== 0;
    } catch {
      return false;
    }
  }
}
