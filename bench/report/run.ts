/*
 * bench/report: how big the HTML report of a long run is, and what it is
 * made of. Either a run's own files (its timeline and the journal.json of
 * `havoc suite run`) or a synthetic run in the shape of the lab's nightly
 * (test/support/long-run-fixture.ts: 19 min, 16 steps, 2 VMs at 50 Hz).
 *
 *   node --import tsx bench/report/run.ts [--timeline FILE --journal FILE] [--out report.html]
 *       [--minutes 19] [--hz 50] [--flaps 5]
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTimeline } from '../../chaos/timeline/index.js';
import { reportHtml } from '../../suites/reports/index.js';
import type { SuiteResult } from '../../suites/result.js';
import type { TimelineEvent } from '../../suites/verdicts/verdict.js';
import { longRun } from '../../test/support/long-run-fixture.js';
import { benchArgs, positiveNumber, usageError } from '../support/args.js';

const USAGE =
  'node --import tsx bench/report/run.ts [--timeline FILE --journal FILE] [--out report.html] [--minutes 19] [--hz 50] [--flaps 5]';
const values = benchArgs(USAGE, {
  timeline: { type: 'string' },
  journal: { type: 'string' },
  out: { type: 'string' },
  minutes: { type: 'string', default: '19' },
  hz: { type: 'string', default: '50' },
  flaps: { type: 'string', default: '5' },
});
if (values.timeline !== undefined && values.journal === undefined)
  usageError("--timeline needs --journal (the run's journal.json)", USAGE);

let result: SuiteResult;
let events: TimelineEvent[];
let what: string;
const dir = mkdtempSync(join(tmpdir(), 'havoc-bench-report-'));
try {
  if (values.timeline !== undefined) {
    const t = readTimeline(values.timeline);
    events = t.records.map((record, i) => ({ line: t.lines[i] as number, record }));
    result = JSON.parse(readFileSync(values.journal!, 'utf8')) as SuiteResult;
    what = `${values.timeline} (${events.length} records)`;
  } else {
    const run = longRun({
      dir,
      minutes: positiveNumber(values.minutes, '--minutes', USAGE),
      hz: positiveNumber(values.hz, '--hz', USAGE),
      flaps: Number(values.flaps),
    });
    ({ result, events } = run);
    what = `synthetic ${values.minutes} min, 2 VMs at ${values.hz} Hz, ${run.samples} samples, ${run.transitions.length} up/down changes`;
  }
  const started = performance.now();
  const html = reportHtml(result, events);
  const ms = Math.round(performance.now() - started);
  const bytes = Buffer.byteLength(html);
  const count = (re: RegExp) => (html.match(re) ?? []).length;
  if (values.out !== undefined) writeFileSync(values.out, html);
  console.log(
    `${what}: report.html ${bytes} bytes (${(bytes / 1e6).toFixed(2)} MB) in ${ms} ms; ` +
      `${count(/<svg /g)} svg, ${count(/<rect /g)} rect, ${count(/<path /g)} path, ${count(/<title>/g)} title`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
