import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Redactor } from '../../core/redact.js';

/**
 * Writes one evidence file (JSON, redacted: a CIB or a config may hold a
 * secret the inventory knows) at `rel` under the certification folder and
 * returns `rel`, the path a line's evidence names.
 */
export function writeEvidence(outDir: string, rel: string, value: unknown, redactor: Redactor): string {
  const file = join(outDir, rel);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(redactor.redactValue(value), null, 2)}\n`);
  return rel;
}
