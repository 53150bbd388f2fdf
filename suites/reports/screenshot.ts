import { errorMessage } from '../../core/errors.js';
import { openReportInChromium } from './html/chromium.js';

/*
 * A picture of an HTML report for the README, from a real run:
 *   node --import tsx suites/reports/screenshot.ts REPORT.html [OUT.png]
 * (OUT defaults to docs/images/report.png). Uses Debian's Chromium; prints
 * and fails on anything the page logged as an error.
 */

const [html, out = 'docs/images/report.png'] = process.argv.slice(2);
if (!html || html === '--help') {
  process.stderr.write('usage: node --import tsx suites/reports/screenshot.ts REPORT.html [OUT.png]\n');
  process.exit(html ? 0 : 2);
}
try {
  const opened = await openReportInChromium(html);
  try {
    await opened.page.screenshot({ path: out, fullPage: true });
  } finally {
    await opened.close();
  }
  for (const p of opened.problems) process.stderr.write(`${p}\n`);
  process.stdout.write(`${out}\n`);
  process.exit(opened.problems.length ? 1 : 0);
} catch (err) {
  process.stderr.write(`screenshot: ${errorMessage(err)}\n`);
  process.exit(4);
}
