import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { execProgram } from '../../core/exec.js';

/*
 * A PDF as a reader would see its pages, through poppler-utils (Debian
 * poppler-utils): the page count from pdfinfo, one PNG per page from
 * pdftoppm, and each page's text from pdftotext.
 */

export interface PdfPages {
  count: number;
  /** PNG file per page, in page order. */
  pngs: string[];
  /** Text per page in reading order (pdftotext without -layout: a table cell's lines stay together), in page order. */
  texts: string[];
}

export async function pdfPages(pdf: string, outDir: string, dpi = 60): Promise<PdfPages> {
  const signal = AbortSignal.timeout(120_000);
  const info = await execProgram(['pdfinfo', pdf], { signal });
  const count = Number(/^Pages:\s+(\d+)$/m.exec(info.stdout)?.[1]);
  if (!Number.isInteger(count))
    throw new Error(`pdfinfo ${pdf}: no page count in ${JSON.stringify(info.stdout)}`);
  await execProgram(['pdftoppm', '-png', '-r', String(dpi), pdf, join(outDir, 'page')], { signal });
  // pdftoppm pads the page number to the width of the last one: page-1.png or page-01.png.
  const pngs = readdirSync(outDir)
    .filter((f) => /^page-\d+\.png$/.test(f))
    .sort((a, b) => Number(/\d+/.exec(a)![0]) - Number(/\d+/.exec(b)![0]))
    .map((f) => join(outDir, f));
  const texts: string[] = [];
  for (let p = 1; p <= count; p++)
    texts.push(
      (await execProgram(['pdftotext', '-f', String(p), '-l', String(p), pdf, '-'], { signal })).stdout,
    );
  return { count, pngs, texts };
}
