import { join } from 'node:path';
import { errorMessage, HavocError } from '../../core/errors.js';
import type { SuiteResult } from '../result.js';
import type { TimelineEvent } from '../verdicts/verdict.js';
import { reportHtml } from './html/report-html.js';
import { writeJournal } from './journal.js';
import { writeJunit } from './junit.js';
import { pushResults } from './pushgateway.js';
import { writeReportFile } from './report-file.js';

export { verdictMessage } from './format.js';
export { reportHtml } from './html/report-html.js';
export { journalJson } from './journal.js';
export { junitXml } from './junit.js';
export { PUSH_JOB, pushGroupUrl, pushResults } from './pushgateway.js';
export { SUITE_OUTCOMES, suiteRegistry } from './suite-metrics.js';

export const REPORT_FILES = { json: 'journal.json', junit: 'junit.xml', html: 'report.html' } as const;

export interface ReportOptions {
  /** Base URL of a Prometheus Pushgateway (http://host:9091): the results are PUT there after the files are written. */
  pushgateway?: string;
  signal?: AbortSignal;
}

export interface WrittenReports {
  json: string;
  junit: string;
  html: string;
  /** Set when a push was asked for and failed; the files are written all the same. */
  pushError?: HavocError;
  /** The group URL the results were PUT to. */
  pushedTo?: string;
}

/**
 * Writes every report of a run into `outDir` and records their paths in
 * `result.reports` (before writing, so the journal and the JUnit file name
 * the HTML report). A failed push never costs the files.
 */
export async function writeReports(
  result: SuiteResult,
  events: readonly TimelineEvent[],
  outDir: string,
  opts: ReportOptions = {},
): Promise<WrittenReports> {
  const paths = {
    json: join(outDir, REPORT_FILES.json),
    junit: join(outDir, REPORT_FILES.junit),
    html: join(outDir, REPORT_FILES.html),
  };
  result.reports = { ...paths };
  writeReportFile(paths.html, reportHtml(result, events));
  writeJunit(result, events, paths.junit);
  writeJournal(result, paths.json);
  const written: WrittenReports = { ...paths };
  if (opts.pushgateway !== undefined) {
    try {
      written.pushedTo = await pushResults(result, opts.pushgateway, opts.signal);
    } catch (err) {
      written.pushError =
        err instanceof HavocError
          ? err
          : new HavocError('pushgateway', `push to the Pushgateway failed: ${errorMessage(err)}`, {
              cause: err,
            });
    }
  }
  return written;
}
