// Reads a vitest JSON report and prints "PASSED FAILED NOT_RUN" on stdout for .ci/run.
// FAILED counts failed tests plus files that failed without a failed test (an import error, a failing
// hook). NOT_RUN counts tests that were skipped, pending or todo: each is a check CI did not make, so
// .ci/run counts it as failed; their names go to stderr so the log says which.
import { readFileSync } from 'node:fs';

const report = JSON.parse(readFileSync(process.argv[2], 'utf8'));
let passed = 0;
let failed = 0;
const notRun = [];
for (const file of report.testResults) {
  const assertions = file.assertionResults ?? [];
  if (file.status === 'failed' && !assertions.some((a) => a.status === 'failed')) failed += 1;
  for (const a of assertions) {
    if (a.status === 'passed') passed += 1;
    else if (a.status === 'failed') failed += 1;
    else notRun.push(`${a.status}: ${file.name}: ${a.fullName ?? a.title}`);
  }
}
// The per-test statuses and vitest's own totals must agree, or this script misreads the report.
const expected = report.numPendingTests + report.numTodoTests;
if (passed !== report.numPassedTests || notRun.length !== expected) {
  process.stderr.write(
    `vitest report ${process.argv[2]}: per-test statuses (${passed} passed, ${notRun.length} not run) ` +
      `disagree with its totals (${report.numPassedTests} passed, ${expected} pending or todo)\n`,
  );
  failed += 1;
}
for (const line of notRun) process.stderr.write(`not run (${line})\n`);
process.stdout.write(`${passed} ${failed} ${notRun.length}\n`);
