import { HavocError } from '../../core/errors.js';
import { openReportInChromium } from '../../suites/reports/html/chromium.js';
import { writeReportFile } from '../../suites/reports/report-file.js';
import { PAGE_MARGIN } from './certification-style.js';

/*
 * The PDF is Chromium's own print of the HTML report (the page a reader
 * opens and the paper they sign are one document), through the same
 * launcher as the suite report. The footer carries the report's title
 * (cluster and verdict) and "page N of M" on every page. Anything the page
 * logged as an error or any request off the file fails the print: a PDF of
 * a broken page is not handed over, so none is written.
 */

// Chromium fills the spans by class; the template has no access to the page's stylesheet.
const FOOTER = `<div style="font: 8px 'DejaVu Sans', sans-serif; color: #555; width: 100%; padding: 0 12mm; display: flex; justify-content: space-between;"><span class="title"></span><span>page <span class="pageNumber"></span> of <span class="totalPages"></span></span></div>`;

export async function printCertificationPdf(htmlPath: string, pdfPath: string): Promise<void> {
  const opened = await openReportInChromium(htmlPath);
  let pdf: Buffer;
  try {
    pdf = await opened.page.pdf({
      format: 'A4',
      printBackground: true,
      margin: PAGE_MARGIN,
      displayHeaderFooter: true,
      headerTemplate: '<span></span>',
      footerTemplate: FOOTER,
    });
  } catch (err) {
    throw new HavocError(
      'report',
      `Chromium could not print ${htmlPath} to ${pdfPath}: ${(err as Error).message}`,
      {
        target: htmlPath,
        cause: err,
      },
    );
  } finally {
    await opened.close();
  }
  if (opened.problems.length > 0)
    throw new HavocError(
      'report',
      `${htmlPath} is not fit to print, ${pdfPath} not written: ${opened.problems.join('; ')}`,
      { target: htmlPath, hint: 'the page must open with no error and no request off the file' },
    );
  writeReportFile(pdfPath, pdf);
}
