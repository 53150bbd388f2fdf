import { join } from 'node:path';
import { writeReportFile } from '../../suites/reports/report-file.js';
import { CERTIFICATION_FILES, type Certification } from '../certification.js';
import { renderCertificationHtml } from './certification-html.js';
import { printCertificationPdf } from './print-pdf.js';

export { renderCertificationHtml } from './certification-html.js';
export { printCertificationPdf } from './print-pdf.js';

/**
 * Writes certification.html into the certification folder and prints it to
 * certification.pdf beside it (before the manifest is made: both are
 * covered by it). Fails if Chromium is missing or the page logged an error.
 */
export async function writeCertificationReport(
  cert: Certification,
  folder: string,
): Promise<{ html: string; pdf: string }> {
  const html = join(folder, CERTIFICATION_FILES.html);
  const pdf = join(folder, CERTIFICATION_FILES.pdf);
  writeReportFile(html, renderCertificationHtml(cert));
  await printCertificationPdf(html, pdf);
  return { html, pdf };
}
