import { copyFileSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { HavocError } from '../../core/errors.js';
import { execProgram } from '../../core/exec.js';
import { makeDirs } from '../../core/make-dirs.js';
import { CERTIFICATION_FILES } from '../certification.js';
import { printCertificationPdf } from './print-pdf.js';

/*
 * Page 1 of a certification as a PNG (the README's picture): the printed
 * PDF's first page rasterised by pdftoppm (Debian poppler-utils), so the
 * picture is what a reader holds, not a screen capture. Takes the PDF of
 * the folder, or prints its certification.html when there is no PDF yet.
 */

export async function firstPagePng(folder: string, out: string, dpi = 110): Promise<void> {
  if (!existsSync(folder) || !statSync(folder).isDirectory())
    throw new HavocError('input', `${folder} is not a certification folder`, {
      target: folder,
      hint: `give the --out folder of \`havoc certify\` (it holds ${CERTIFICATION_FILES.html})`,
    });
  const work = mkdtempSync(join(tmpdir(), 'havoc-first-page-'));
  try {
    let pdf = join(folder, CERTIFICATION_FILES.pdf);
    if (!existsSync(pdf)) {
      const html = join(folder, CERTIFICATION_FILES.html);
      if (!existsSync(html))
        throw new HavocError(
          'input',
          `${folder} holds neither ${CERTIFICATION_FILES.pdf} nor ${CERTIFICATION_FILES.html}`,
          {
            target: folder,
          },
        );
      pdf = join(work, CERTIFICATION_FILES.pdf);
      await printCertificationPdf(html, pdf);
    }
    const signal = AbortSignal.timeout(60_000);
    try {
      await execProgram(
        ['pdftoppm', '-png', '-r', String(dpi), '-f', '1', '-l', '1', '-singlefile', pdf, join(work, 'page')],
        {
          signal,
        },
      );
    } catch (err) {
      if (err instanceof HavocError && err.code === 'environment')
        throw new HavocError('missing', `${err.message}`, {
          hint: 'install the Debian package poppler-utils',
        });
      throw err;
    }
    makeDirs(dirname(out), 'the picture folder');
    // A copy, not a rename: the temporary folder may be on another file system than OUT (EXDEV).
    copyFileSync(join(work, 'page.png'), out);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
