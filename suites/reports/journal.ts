import type { SuiteResult } from '../result.js';
import { writeReportFile } from './report-file.js';

/*
 * The JSON journal is the SuiteResult itself (suite, inventory hash,
 * versions, every step with its targets, verdicts, measured values and
 * evidence line ids), so a later tool reads exactly what the runner decided,
 * and every other report can be redrawn from it and the timeline.
 */

export function journalJson(result: SuiteResult): string {
  return `${JSON.stringify(result, null, 2)}\n`;
}

export function writeJournal(result: SuiteResult, path: string): void {
  writeReportFile(path, journalJson(result));
}
