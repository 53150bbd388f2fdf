import { errorMessage, HavocError } from '../../core/errors.js';
import { firstPagePng } from './first-page-png.js';

/*
 * The README's picture of a certification, from a real run:
 *   node --import tsx certify/report/screenshot.ts CERTDIR [OUT.png]
 * (OUT defaults to docs/images/certification.png): page 1 of the folder's
 * certification.pdf (printed from certification.html if missing).
 */

const [folder, out = 'docs/images/certification.png'] = process.argv.slice(2);
if (!folder || folder === '--help') {
  process.stderr.write('usage: node --import tsx certify/report/screenshot.ts CERTDIR [OUT.png]\n');
  process.exit(folder ? 0 : 2);
}
try {
  await firstPagePng(folder, out);
  process.stdout.write(`${out}\n`);
  process.exit(0);
} catch (err) {
  process.stderr.write(`screenshot: ${errorMessage(err)}\n`);
  const code = err instanceof HavocError ? err.code : '';
  process.exit(code === 'input' ? 3 : code === 'missing' ? 4 : code === 'report' ? 1 : 70);
}
