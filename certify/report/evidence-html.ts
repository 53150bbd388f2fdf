import { esc } from '../../suites/reports/html/escape.js';
import type { Evidence } from '../certification.js';

/*
 * A line's evidence: files as links relative to the certification folder
 * (certification.html sits at its top, so the folder can be moved or mailed
 * as a whole and the links still work), short texts inline. A path that
 * would leave the folder is shown, not linked: the manifest covers only what
 * is inside.
 */

/** Inline texts longer than this are cut; the whole text stays in certification.json. */
const MAX_TEXT_LINES = 40;

/** The href for a path relative to the folder, or undefined if it is not one. */
export function folderHref(file: string): string | undefined {
  const parts = file.split('/');
  if (file === '' || file.startsWith('/') || file.includes('\\') || parts.some((p) => p === '..' || p === ''))
    return undefined;
  // Every segment encoded: a ':' or '?' in a file name stays part of the path, never a scheme or a query.
  return parts.map((p) => encodeURIComponent(p)).join('/');
}

function textBlock(text: string): string {
  const lines = text.split('\n');
  if (lines.length <= MAX_TEXT_LINES) return `<pre class="evidence-text">${esc(text)}</pre>`;
  return `<pre class="evidence-text">${esc(lines.slice(0, MAX_TEXT_LINES).join('\n'))}</pre><p class="muted">${
    lines.length - MAX_TEXT_LINES
  } more lines in certification.json</p>`;
}

function oneEvidence(e: Evidence): string {
  const parts: string[] = [`<span class="evidence-label">${esc(e.label)}</span>`];
  if (e.file !== undefined) {
    const href = folderHref(e.file);
    parts.push(
      href === undefined
        ? `<code class="evidence-outside">${esc(e.file)}</code> <span class="muted">(not in the folder: not linked)</span>`
        : `<a class="evidence-link" href="${esc(href)}"><code>${esc(e.file)}</code></a>`,
    );
  }
  const head = `<div class="evidence">${parts.join(': ')}`;
  return e.text !== undefined ? `${head}${textBlock(e.text)}</div>` : `${head}</div>`;
}

export function evidenceHtml(evidence: readonly Evidence[]): string {
  if (evidence.length === 0) return '<div class="evidence muted">no evidence recorded</div>';
  return evidence.map(oneEvidence).join('');
}
