import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { HavocError } from '../../../core/errors.js';

/*
 * Opens a report in Debian's Chromium (playwright-core drives it; no
 * browser is downloaded) and records what would make the report wrong in a
 * reader's browser: console errors, uncaught exceptions, and any request
 * that failed or left the file (the report must need no network).
 */

export const CHROMIUM = '/usr/bin/chromium';

export interface OpenedReport {
  page: Page;
  /** Console errors, page errors, failed and non-file requests, in the order they happened. */
  problems: string[];
  /** Every URL the page requested. */
  requests: string[];
  close(): Promise<void>;
}

export async function openReportInChromium(
  htmlPath: string,
  viewport = { width: 1280, height: 900 },
): Promise<OpenedReport> {
  if (!existsSync(CHROMIUM))
    throw new HavocError('missing', `${CHROMIUM} not found`, { hint: 'install the Debian package chromium' });
  let browser: Browser;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  } catch (err) {
    throw new HavocError('missing', `cannot start ${CHROMIUM}: ${(err as Error).message}`, { cause: err });
  }
  const problems: string[] = [];
  const requests: string[] = [];
  try {
    const page = await browser.newPage({ viewport });
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('request', (r) => {
      requests.push(r.url());
      if (!r.url().startsWith('file:')) problems.push(`request off the file: ${r.url()}`);
    });
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} (${r.failure()?.errorText})`));
    await page.goto(pathToFileURL(resolve(htmlPath)).href, { waitUntil: 'load' });
    return { page, problems, requests, close: () => browser.close() };
  } catch (err) {
    await browser.close();
    throw err;
  }
}
