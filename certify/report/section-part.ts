import { esc } from '../../suites/reports/html/escape.js';
import type { AppliedWaiver, CertLine } from '../certification.js';
import { evidenceHtml } from './evidence-html.js';
import { type SectionPart, SHOWN_STATUSES, type ShownStatus, shownStatus } from './shown-status.js';

/*
 * One part of the report per section: a table with one row per line (a row
 * never splits across printed pages, so a line's claim and its proof stay
 * together), saying what was measured against which target, what to do
 * when it is not fine, who waived it, and where the evidence is.
 */

export function statusBadge(status: ShownStatus): string {
  const word = SHOWN_STATUSES.find((s) => s.status === status)?.word ?? status;
  return `<span class="badge st-${esc(status)}">${esc(word)}</span>`;
}

function waiverHtml(w: AppliedWaiver): string {
  const named = `<span class="mono">${esc(w.id)}</span> <span class="muted">(${esc(w.source)})</span>`;
  return w.state === 'expired'
    ? `<div class="waiver expired"><strong>Waiver expired on ${esc(w.expires)}</strong>: it no longer counts. Accepted by ${esc(
        w.by,
      )}: ${esc(w.reason)}. ${named}</div>`
    : `<div class="waiver applied"><strong>Waived</strong> by ${esc(w.by)} until ${esc(w.expires)}: ${esc(
        w.reason,
      )}. ${named}</div>`;
}

function statusCell(line: CertLine): string {
  const shown = shownStatus(line);
  const parts = [statusBadge(shown)];
  if (shown === 'waived') parts.push(`<div class="muted">was ${esc(line.status)}</div>`);
  if (line.waiver?.state === 'expired') parts.push('<div class="expired-note">waiver expired</div>');
  return parts.join('');
}

function measuredCell(line: CertLine): string {
  const parts: string[] = [];
  if (line.measured !== undefined)
    parts.push(`<div class="measured"><span class="muted">measured</span> ${esc(line.measured)}</div>`);
  if (line.target !== undefined)
    parts.push(`<div class="target"><span class="muted">target</span> ${esc(line.target)}</div>`);
  return parts.length ? parts.join('') : '<span class="muted">-</span>';
}

function detailCell(line: CertLine): string {
  const parts = [`<div class="message">${esc(line.message)}</div>`];
  const notFine = line.status !== 'pass' && line.status !== 'not-applicable';
  if (notFine && line.remediation)
    parts.push(`<div class="remediation"><strong>Remediation:</strong> ${esc(line.remediation)}</div>`);
  if (line.references?.length)
    parts.push(
      `<div class="references"><span class="muted">references</span> ${line.references
        .map((r) => `<span class="mono">${esc(r)}</span>`)
        .join(', ')}</div>`,
    );
  if (line.waiver) parts.push(waiverHtml(line.waiver));
  parts.push(evidenceHtml(line.evidence));
  return parts.join('');
}

/** An id may wrap after its dots (a narrow column), never inside a word. */
function breakable(id: string): string {
  return esc(id).replaceAll('.', '.<wbr>');
}

function lineRow(line: CertLine): string {
  return `<tr class="line" id="line-${esc(line.id)}" data-id="${esc(line.id)}" data-status="${esc(
    line.status,
  )}" data-shown="${shownStatus(line)}"><td class="req"><code class="line-id">${breakable(line.id)}</code><div class="line-title">${esc(line.title)}</div></td><td class="status">${statusCell(
    line,
  )}</td><td class="mt">${measuredCell(line)}</td><td class="detail">${detailCell(line)}</td></tr>`;
}

export function sectionPartHtml(part: SectionPart, index: number): string {
  const head = `<h2 id="section-${esc(part.section)}">${index + 1}. ${esc(part.title)}</h2>`;
  if (part.lines.length === 0)
    return `<section class="part" data-section="${esc(part.section)}">${head}<p class="muted">No line in this section.</p></section>`;
  return `<section class="part" data-section="${esc(part.section)}">${head}<table class="lines"><thead><tr><th class="req">requirement</th><th class="status">status</th><th class="mt">measured / target</th><th>what was seen, evidence</th></tr></thead><tbody>${part.lines
    .map(lineRow)
    .join('')}</tbody></table></section>`;
}
