import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openReportInChromium } from '../../suites/reports/html/chromium.js';
import { goWithWaiversCertification, noGoCertification } from '../../test/support/certification-fixture.js';
import { pdfPages } from '../../test/support/pdf-pages.js';
import { pngInk } from '../../test/support/png-ink.js';
import { tempDir } from '../../test/support/temp-dir.js';
import { type Certification, type CertLine, SECTION_TITLES } from '../certification.js';
import { firstPagePng } from './first-page-png.js';
import { writeCertificationReport } from './index.js';
import { printCertificationPdf } from './print-pdf.js';

/*
 * The certification report as a person gets it: the HTML opened in Debian's
 * Chromium (playwright-core, no browser download) and the PDF Chromium
 * prints of it, turned back into pages by poppler-utils (pdfinfo, pdftoppm,
 * pdftotext) and read. Both fixtures: GO WITH WAIVERS (destructive, every
 * section) and NO-GO (a fail, an error, an expired waiver, the destructive
 * part not run).
 */

const FIXTURES: [string, (folder: string) => Certification][] = [
  ['GO WITH WAIVERS', goWithWaiversCertification],
  ['NO-GO', noGoCertification],
];

/**
 * Text without its layout: pdftotext wraps cells where the page did, and takes a hyphen at the end of a
 * printed line for hyphenation and drops it, so hyphens are dropped on both sides of a comparison.
 */
function flat(text: string): string {
  return text.replace(/[\s-]+/g, '');
}

/** An id as printed, in flat text: it may wrap after any dot or hyphen, and the cells beside it come between the pieces. */
function idOnPage(id: string): RegExp {
  return new RegExp(
    id
      .split(/(?<=[.-])/)
      .map((p) => flat(p).replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('[\\s\\S]{0,800}?'),
  );
}

/** What a line's row ends with. */
function lastPiece(line: CertLine): string {
  const e = line.evidence.at(-1);
  if (!e) return 'no evidence recorded';
  return e.text?.split('\n').at(-1) ?? e.file ?? e.label;
}

describe('certification report in Chromium and as a PDF', () => {
  for (const [verdict, make] of FIXTURES) {
    it(`${verdict}: the page shows the verdict and every line, logs nothing, and every link opens a file in the folder`, async () => {
      const folder = tempDir('havoc-cert-html-');
      const cert = make(folder);
      const started = performance.now();
      const written = await writeCertificationReport(cert, folder);
      console.log(
        `${verdict}: HTML written and printed to PDF in ${Math.round(performance.now() - started)} ms`,
      );
      const opened = await openReportInChromium(written.html);
      try {
        const { page } = opened;
        expect(await page.locator('#verdict').textContent()).toBe(verdict);
        expect(await page.locator('#cluster').textContent()).toBe(cert.cluster);
        // Large enough to be the first thing a reader sees.
        const size = await page
          .locator('#verdict-box')
          .evaluate((e) => Number.parseFloat(getComputedStyle(e).fontSize));
        expect(size).toBeGreaterThanOrEqual(40);
        expect(await page.locator('#verdict-box').isVisible()).toBe(true);

        expect(
          await page.locator('tr.line').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-id'))),
        ).toEqual(
          Object.keys(SECTION_TITLES).flatMap((s) =>
            cert.lines.filter((l) => l.section === s).map((l) => l.id),
          ),
        );
        expect(await page.locator('svg.status-chart g.bar').count()).toBe(Object.keys(SECTION_TITLES).length);
        const chartBox = await page.locator('svg.status-chart').boundingBox();
        expect(chartBox?.width).toBeGreaterThan(500);

        const hrefs = await page
          .locator('a[href]')
          .evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).href));
        const files = cert.lines.flatMap((l) => l.evidence.flatMap((e) => (e.file ? [e.file] : [])));
        expect(files.length).toBeGreaterThan(0);
        expect(await page.locator('a.evidence-link').count()).toBe(files.length);
        for (const href of hrefs) {
          expect(href.startsWith('file:'), href).toBe(true);
          const path = fileURLToPath(href);
          const rel = relative(folder, path);
          expect(rel.startsWith('..') || rel.startsWith(sep), `${href} leaves ${folder}`).toBe(false);
          expect(existsSync(path) && statSync(path).isFile(), `${href} is no file`).toBe(true);
        }
        if (cert.suite?.html) expect(hrefs).toContain(pathToFileURL(join(folder, cert.suite.html)).href);
        expect(opened.requests).toEqual([pathToFileURL(written.html).href]);
        expect(opened.problems).toEqual([]);
      } finally {
        await opened.close();
      }

      // The PDF, page by page.
      const pages = await pdfPages(written.pdf, tempDir('havoc-cert-pages-'));
      console.log(`${verdict}: ${pages.count} A4 pages`);
      expect(pages.pngs.length).toBe(pages.count);
      // Cover, the six sections, the versions: more than the cover, and not one page per line.
      expect(pages.count).toBeGreaterThanOrEqual(3);
      expect(pages.count).toBeLessThan(cert.lines.length);
      const ink = pages.pngs.map((p) => pngInk(p));
      console.log(`${verdict}: ink per page ${ink.map((i) => `${(i.ink * 100).toFixed(1)}%`).join(' ')}`);
      expect(ink[0]!.ink).toBeGreaterThan(0.05);
      // A4 portrait at 60 dpi: 8.27 x 11.69 in.
      expect(Math.abs(ink[0]!.width - 496)).toBeLessThanOrEqual(2);
      expect(Math.abs(ink[0]!.height - 702)).toBeLessThanOrEqual(2);

      const page1 = pages.texts[0]!;
      expect(page1).toContain(verdict);
      expect(page1).toContain(cert.cluster);
      expect(flat(page1)).toContain(flat(cert.inventory.sha256));
      // The cover is alone on page 1: no section starts there.
      expect(page1).not.toContain(`1. ${SECTION_TITLES.preflight}`);
      const footerTitle = `havoc certification of ${cert.cluster}: ${cert.verdict}`;
      pages.texts.forEach((t, i) => {
        expect(t).toContain(footerTitle);
        expect(t).toContain(`page ${i + 1} of ${pages.count}`);
        // No section heading at the foot of a page without its table.
        const body = t
          .split('\n')
          .map((l) => l.trim())
          .filter((l) => l !== '' && !l.includes(`page ${i + 1} of`) && l !== footerTitle);
        expect(body.at(-1), `last line of page ${i + 1}`).not.toMatch(/^\d\. /);
      });
      // Every line is printed, and its row is not split across pages: the page that has its title (near the
      // top of the row) also has its id, its message and how its row ends (the last evidence). Evidence can
      // repeat between lines (the same file), so a page must hold each piece as often as its lines need it.
      const need = new Map<number, string[]>();
      for (const line of cert.lines) {
        const onPages = pages.texts
          .map((t, i) => (i > 0 && flat(t).includes(flat(line.title)) ? i : -1))
          .filter((i) => i > 0);
        expect(onPages.length, `${line.id}: its title printed on one page`).toBe(1);
        const p = onPages[0]!;
        expect(idOnPage(line.id).test(flat(pages.texts[p]!)), `${line.id}: its id on page ${p + 1}`).toBe(
          true,
        );
        need.set(p, [...(need.get(p) ?? []), flat(line.message), flat(lastPiece(line))]);
      }
      for (const [p, pieces] of need) {
        const text = flat(pages.texts[p]!);
        for (const piece of new Set(pieces))
          expect(
            text.split(piece).length - 1,
            `page ${p + 1} holds "${piece}" as often as the rows that start there end with it`,
          ).toBeGreaterThanOrEqual(pieces.filter((x) => x === piece).length);
      }
      expect(flat(pages.texts.join(''))).toContain(flat('Software versions per host'));
    });
  }

  it('hostile text from the cluster or a waivers file stays text in the browser and in the PDF', async () => {
    const folder = tempDir('havoc-cert-hostile-');
    const cert = noGoCertification(folder);
    const hostile = '<script>alert(1)</script><img src=x onerror=alert(2)>';
    cert.cluster = `lab ${hostile}`;
    cert.lines[0]!.message = hostile;
    cert.lines[0]!.evidence = [{ label: hostile, text: hostile }];
    cert.verdictReasons.unshift(hostile);
    const written = await writeCertificationReport(cert, folder);
    const opened = await openReportInChromium(written.html);
    try {
      const dialogs: string[] = [];
      opened.page.on('dialog', async (d) => {
        dialogs.push(d.message());
        await d.dismiss();
      });
      expect(await opened.page.locator('#cluster').textContent()).toBe(`lab ${hostile}`);
      expect(await opened.page.locator('script, img, [onerror]').count()).toBe(0);
      expect(dialogs).toEqual([]);
      expect(opened.problems).toEqual([]);
    } finally {
      await opened.close();
    }
    const pages = await pdfPages(written.pdf, tempDir('havoc-cert-hostile-pages-'));
    expect(pages.texts[0]).toContain('<script>alert(1)</script>');
  });

  it('refuses to print a page that logs an error, and writes no PDF', async () => {
    const folder = tempDir('havoc-cert-bad-');
    const html = join(folder, 'bad.html');
    writeFileSync(
      html,
      '<!DOCTYPE html><html><body><p>x</p><script>console.error("boom")</script></body></html>',
    );
    const pdf = join(folder, 'bad.pdf');
    await expect(printCertificationPdf(html, pdf)).rejects.toThrow(/not fit to print.*console error: boom/);
    expect(existsSync(pdf)).toBe(false);
  });

  it('page 1 as a PNG for the README, from the folder of a run', async () => {
    const folder = tempDir('havoc-cert-png-');
    await writeCertificationReport(goWithWaiversCertification(folder), folder);
    const out = join(tempDir('havoc-cert-png-out-'), 'images', 'certification.png');
    mkdirSync(join(out, '..'), { recursive: true });
    await firstPagePng(folder, out, 60);
    const png = pngInk(out);
    console.log(
      `page 1 PNG ${png.width}x${png.height}, ${(png.ink * 100).toFixed(1)}% ink, ${statSync(out).size} bytes`,
    );
    expect(png.width).toBeGreaterThan(png.height * 0.6);
    expect(png.ink).toBeGreaterThan(0.05);
  });
});
