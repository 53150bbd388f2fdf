import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../support/temp-dir.js';

/** What a certification folder holds, in small: the JSON, the report, evidence in subfolders, the suite's report. */
export const FOLDER_FILES: Record<string, string> = {
  'certification.json': '{"schema":"havoc.certification/1","verdict":"GO WITH WAIVERS"}\n',
  'certification.html': '<!doctype html><title>certification</title>\n',
  'evidence/fence/host1-level1.json': '{"host":"host1","offAfterMs":6200}\n',
  'evidence/live-checks.json': '[{"id":"corosync.token","status":"warning"}]\n',
  'suite/report.html': '<!doctype html><title>nightly</title>\n',
  'suite/timeline.jsonl': '{"kind":"run"}\n{"kind":"step"}\n',
};

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** A fresh certification folder with FOLDER_FILES in it. */
export function certificationFolder(): string {
  const dir = tempDir('havoc-cert-folder-');
  for (const [path, text] of Object.entries(FOLDER_FILES)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}
