import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import bcrypt from 'bcryptjs';
import { parse } from 'yaml';
import { z } from 'zod';
import { HavocError } from '../core/errors.js';
import { readInputFile } from '../core/read-input-file.js';

/*
 * TLS and basic auth for the exporter, from a web configuration file in the
 * format of Prometheus' exporter-toolkit (docs/web-configuration.md), so the
 * file an operator already has for node_exporter works here:
 *
 *   tls_server_config: {cert_file: server.crt, key_file: server.key}
 *   basic_auth_users: {prometheus: $2y$10$...}
 *
 * Relative paths are relative to the file. Passwords are bcrypt hashes only.
 */

const BCRYPT = /^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/;
const HASH_HINT =
  'store a bcrypt hash (`havoc exporter hash-password` or `htpasswd -nBC 10 USER`), never the password';

const webConfigSchema = z.strictObject({
  tls_server_config: z
    .strictObject({
      cert_file: z.string().min(1),
      key_file: z.string().min(1),
    })
    .optional(),
  basic_auth_users: z
    .record(
      z
        .string()
        .min(1)
        .regex(/^[^:]+$/, 'a user name without ":"'),
      z.string().regex(BCRYPT, 'a bcrypt hash ($2y$..., $2b$... or $2a$...)'),
    )
    .optional(),
});

export interface WebConfig {
  file: string;
  tls?: { cert: Buffer; key: Buffer; certFile: string };
  /** user -> bcrypt hash */
  users?: Map<string, string>;
}

function readConfigFile(file: string, path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new HavocError(
      'web-config',
      `${file}: ${what} ${path} ${code === 'ENOENT' ? 'does not exist' : `cannot be read (${code})`}`,
      {
        hint: 'fix the path (relative paths are relative to the web config file)',
      },
    );
  }
}

export function parseWebConfig(file: string, text: string): WebConfig {
  let data: unknown;
  try {
    data = parse(text) ?? {};
  } catch (err) {
    throw new HavocError('web-config', `${file}: not valid YAML (${(err as Error).message.split('\n')[0]})`);
  }
  const parsed = webConfigSchema.safeParse(data);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => {
      const where = i.path.length > 0 ? i.path.join('.') : '(top level)';
      // Never echo a value: under basic_auth_users it could be a password pasted by mistake.
      return `${where}: ${i.message}`;
    });
    throw new HavocError('web-config', `${file}: ${problems.join('; ')}`, {
      hint: `supported keys: tls_server_config {cert_file, key_file} and basic_auth_users {user: bcrypt hash}; ${HASH_HINT}`,
    });
  }
  const base = dirname(resolve(file));
  const at = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  const config: WebConfig = { file };
  const tls = parsed.data.tls_server_config;
  if (tls) {
    const certFile = at(tls.cert_file);
    config.tls = {
      certFile,
      cert: readConfigFile(file, certFile, 'tls_server_config.cert_file'),
      key: readConfigFile(file, at(tls.key_file), 'tls_server_config.key_file'),
    };
  }
  const users = parsed.data.basic_auth_users;
  if (users && Object.keys(users).length > 0) config.users = new Map(Object.entries(users));
  return config;
}

export function loadWebConfig(file: string): WebConfig {
  const text = readInputFile(file, { code: 'web-config', what: 'web config' });
  return parseWebConfig(file, text);
}

// Compared against when the user is unknown, so a wrong user costs as long as a wrong password.
const DUMMY_HASH = '$2b$10$CwTycUXWue0Thq9StjUM0uJ8DaYT6RcHXq0u6iVL0GG0vmj9Rm8RK';

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/**
 * Checks "Authorization: Basic ..." against the bcrypt hashes. bcrypt costs
 * ~100 ms per check by design, and Prometheus sends the same credentials on
 * every scrape, so the last password verified per user is remembered (as a
 * SHA-256 digest, as exporter-toolkit does); a wrong one always pays bcrypt.
 */
export class BasicAuthCheck {
  readonly #users: ReadonlyMap<string, string>;
  readonly #verified = new Map<string, Buffer>();

  constructor(users: ReadonlyMap<string, string>) {
    this.#users = users;
  }

  async allows(authorization: string | undefined): Promise<boolean> {
    const match = authorization ? /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization) : null;
    if (!match?.[1]) return false;
    const decoded = Buffer.from(match[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return false;
    const user = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    const hash = this.#users.get(user);
    const known = this.#verified.get(user);
    const presented = digest(password);
    if (hash && known && timingSafeEqual(known, presented)) return true;
    const ok = await bcrypt.compare(password, hash ?? DUMMY_HASH);
    if (!ok || !hash) return false;
    this.#verified.set(user, presented);
    return true;
  }
}

/** A bcrypt hash for basic_auth_users (cost 10, as htpasswd -B and the exporter-toolkit docs use). */
export function hashPassword(password: string): Promise<string> {
  return bcrypt.hash(password, 10);
}
