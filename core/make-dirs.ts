import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { HavocError } from './errors.js';

/*
 * mkdir -p for folders a user names (--out, --ledger, --timeline-dir).
 * Node's `mkdirSync(p, {recursive: true})` never returns when mkdir answers
 * ENOENT although the parent exists, as /proc does for any new name
 * (Node 20: `havoc alerts export --out /proc/x` hung), so parents are made
 * one at a time and every refusal becomes an error naming the folder.
 */

function errnoOf(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? String(err);
}

/** Makes `path` and its missing parents; returns the first folder it created, or undefined if it existed. */
export function makeDirs(path: string, what: string, mode?: number): string | undefined {
  const target = resolve(path);
  const missing: string[] = [];
  for (let p = target; ; p = dirname(p)) {
    try {
      if (!statSync(p).isDirectory())
        throw new HavocError('input', `${what}: ${p} is not a folder`, {
          hint: `choose another path than ${path}`,
        });
      break;
    } catch (err) {
      if (err instanceof HavocError) throw err;
      // ENOTDIR: a file in the way further up, which the walk reaches and names.
      if (errnoOf(err) !== 'ENOENT' && errnoOf(err) !== 'ENOTDIR')
        throw new HavocError('input', `${what}: cannot read ${p} (${errnoOf(err)})`, { cause: err });
      missing.unshift(p);
      if (dirname(p) === p) break;
    }
  }
  for (const p of missing) {
    try {
      mkdirSync(p, mode === undefined ? undefined : { mode });
    } catch (err) {
      if (errnoOf(err) === 'EEXIST' && statSync(p).isDirectory()) continue;
      throw new HavocError('input', `${what}: cannot create ${p} (${errnoOf(err)})`, {
        hint: `choose a folder on a writable file system (not /proc or /sys) for ${path}`,
        cause: err,
      });
    }
  }
  return missing[0];
}
