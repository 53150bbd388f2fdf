import { readFileSync } from 'node:fs';
import { HavocError } from './errors.js';

/**
 * Reads a file a user names (an inventory, a suite, waivers, a web config)
 * as UTF-8; a file that cannot be read is an error of `code` saying which
 * file and why ("cannot read inventory x.yaml: no such file"), never a stack
 * trace.
 */
export function readInputFile(file: string, o: { code: string; what: string; hint?: string }): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const errno = (err as NodeJS.ErrnoException).code;
    throw new HavocError(
      o.code,
      `cannot read ${o.what} ${file}: ${errno === 'ENOENT' ? 'no such file' : (errno ?? String(err))}`,
      { target: file, ...(o.hint ? { hint: o.hint } : {}) },
    );
  }
}
