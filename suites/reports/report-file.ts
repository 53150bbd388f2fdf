import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { HavocError } from '../../core/errors.js';

/**
 * Writes a report whole or not at all: to a temporary name beside it, then
 * renamed, so a CI job that collects the file while a run is being killed
 * never reads half a report. Text is written as UTF-8, bytes (a PDF) as they are.
 */
export function writeReportFile(path: string, text: string | Uint8Array): void {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(tmp, text, { encoding: 'utf8', mode: 0o644 });
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new HavocError('report', `cannot write report ${path}: ${(err as Error).message}`, {
      target: path,
      hint: 'check that the report directory (--out) is writable and has room',
      cause: err,
    });
  }
}
