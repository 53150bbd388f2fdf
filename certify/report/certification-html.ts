import { esc } from '../../suites/reports/html/escape.js';
import type { Certification } from '../certification.js';
import { CERTIFICATION_CSS } from './certification-style.js';
import { coverHtml, coverOverflowHtml } from './cover.js';
import { folderHref } from './evidence-html.js';
import { sectionPartHtml } from './section-part.js';
import { sectionParts } from './shown-status.js';
import { versionsTableHtml } from './versions-table.js';

/*
 * The certification report: one self-contained HTML file at the top of the
 * certification folder (inline style and SVG, no script, a
 * Content-Security-Policy that forbids every fetch), its links relative to
 * the folder. Every text in it comes from the cluster or a user's file and
 * is escaped.
 */

const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

function suitePart(cert: Certification): string {
  if (!cert.suite) return '';
  const href = cert.suite.html !== undefined ? folderHref(cert.suite.html) : undefined;
  const json = cert.suite.json !== undefined ? folderHref(cert.suite.json) : undefined;
  const links = [
    href !== undefined
      ? `<a class="suite-report" href="${esc(href)}">the HTML report and its timeline</a>`
      : '',
    json !== undefined ? `<a class="suite-journal" href="${esc(json)}">the journal (JSON)</a>` : '',
  ].filter(Boolean);
  return `<section class="suite-part"><h2 id="suite-report">The suite run</h2><p>Suite <strong>${esc(
    cert.suite.name,
  )}</strong>: ${esc(cert.suite.outcome)}.${
    links.length
      ? ` Its own reports, in this folder: ${links.join(', ')}.`
      : ' Its reports are not in this folder.'
  }</p></section>`;
}

export function renderCertificationHtml(cert: Certification): string {
  const parts = sectionParts(cert.lines);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${esc(CSP)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(`havoc certification of ${cert.cluster}: ${cert.verdict}`)}</title>
<style>${CERTIFICATION_CSS}</style>
</head>
<body>
${coverHtml(cert, parts)}
${coverOverflowHtml(cert)}
${parts.map(sectionPartHtml).join('\n')}
<section class="versions-part"><h2 id="versions">Software versions per host</h2>${versionsTableHtml(cert.versions)}</section>
${suitePart(cert)}
<p class="muted">Written by havoc ${esc(cert.havocVersion)}. The folder's <code>manifest.json</code> holds the sha256 of every file in it; <code>havoc certify verify FOLDER</code> checks that nothing changed.</p>
</body>
</html>
`;
}
