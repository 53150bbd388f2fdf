import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/*
 * Finding a secret in what a program left behind, in any form: as is, JSON
 * escaped (once or twice), or cut apart by whatever an encoder does with its
 * quotes, backslashes, control and non-ASCII characters, which leaves the
 * runs of plain characters between them. The test secrets are built so each
 * of those runs is a word that appears nowhere else (e.g. "rfAlpha").
 */

const MIN_FRAGMENT = 5;

/**
 * The forms of a secret a leak check looks for; `fragments: false` for a value
 * not built for the test (a session token), whose plain runs may be ordinary text.
 */
export function leakForms(secret: string, fragments = true): string[] {
  const once = JSON.stringify(secret).slice(1, -1);
  const runs = fragments ? secret.split(/[^A-Za-z0-9]+/).filter((f) => f.length >= MIN_FRAGMENT) : [];
  return [...new Set([secret, once, JSON.stringify(once).slice(1, -1), ...runs])];
}

/** Every (secret form, where) found in the given texts; empty when nothing leaked. */
export function leaksIn(
  texts: Record<string, string>,
  secrets: readonly string[],
  opts: { fragments?: boolean } = {},
): string[] {
  const found: string[] = [];
  for (const [where, text] of Object.entries(texts)) {
    for (const secret of secrets) {
      for (const form of leakForms(secret, opts.fragments ?? true)) {
        if (text.includes(form)) found.push(`${JSON.stringify(form)} in ${where}`);
      }
    }
  }
  return found;
}

/** Every regular file under dir (recursively) with its text, except the paths given. */
export function filesUnder(dir: string, except: ReadonlySet<string> = new Set()): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      const st = statSync(path, { throwIfNoEntry: false });
      if (!st) continue;
      if (st.isDirectory()) walk(path);
      else if (st.isFile() && !except.has(path)) out[path] = readFileSync(path, 'utf8');
    }
  };
  walk(dir);
  return out;
}
