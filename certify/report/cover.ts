import { humanDuration } from '../../suites/reports/format.js';
import { esc } from '../../suites/reports/html/escape.js';
import type { Certification, Verdict } from '../certification.js';
import { folderHref } from './evidence-html.js';
import { isBlocking, type SectionPart, shownStatus } from './shown-status.js';
import { statusChartSvg } from './status-chart.js';

/*
 * The first page, alone on page 1 when printed: what a cluster owner reads
 * before signing. The verdict in large letters (its words carry it, the
 * colour only repeats them), what was certified and when, the reasons that
 * decided it, what is wrong with the waivers, what did not run, and the
 * picture of every section. Lists too long for one page are cut here and
 * given in full on the next page.
 */

const COVER_REASONS = 8;
const COVER_PROBLEMS = 4;

const VERDICT_CLASS: Record<Verdict, string> = {
  GO: 'verdict-go',
  'GO WITH WAIVERS': 'verdict-waivers',
  'NO-GO': 'verdict-nogo',
};

const VERDICT_MARK: Record<Verdict, string> = {
  GO: '\u2714',
  'GO WITH WAIVERS': '\u2714',
  'NO-GO': '\u2716',
};

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function verdictSentence(cert: Certification): string {
  const blocking = cert.lines.filter(isBlocking).length;
  const waived = cert.lines.filter((l) => shownStatus(l) === 'waived').length;
  const said = `${plural(cert.lines.length, 'line')}: ${blocking} blocking, ${waived} waived`;
  // The verdict is certify/verdict.ts's; if the lines say otherwise, the reader must be told, not soothed.
  const agrees =
    cert.verdict === 'NO-GO'
      ? blocking > 0
      : cert.verdict === 'GO'
        ? blocking === 0 && waived === 0
        : blocking === 0 && waived > 0;
  return agrees
    ? esc(said)
    : `${esc(said)} <strong class="disagrees">(the lines do not agree with this verdict: check certification.json)</strong>`;
}

function durationBetween(from: string, to: string): string {
  const ms = Date.parse(to) - Date.parse(from);
  return Number.isFinite(ms) && ms >= 0 ? humanDuration(ms) : 'unknown';
}

function list(id: string, items: readonly string[], max: number, empty: string): string {
  if (items.length === 0) return `<p id="${id}" class="muted">${esc(empty)}</p>`;
  const shown = items.slice(0, max).map((i) => `<li>${esc(i)}</li>`);
  const more =
    items.length > max
      ? `<li class="muted">and ${items.length - max} more, listed in full on the next page</li>`
      : '';
  return `<ul id="${id}">${shown.join('')}${more}</ul>`;
}

function suiteRow(cert: Certification): string {
  if (!cert.suite) return '<span class="muted">no suite ran</span>';
  const href = cert.suite.html !== undefined ? folderHref(cert.suite.html) : undefined;
  const link =
    href !== undefined
      ? ` <a id="suite-link" href="${esc(href)}">its HTML report and timeline (<code>${esc(cert.suite.html)}</code>)</a>`
      : '';
  return `${esc(cert.suite.name)}: <strong>${esc(cert.suite.outcome)}</strong>${link}`;
}

export function coverHtml(cert: Certification, parts: readonly SectionPart[]): string {
  const rows: [string, string][] = [
    ['cluster', `<strong id="cluster">${esc(cert.cluster)}</strong>`],
    [
      'run',
      `${esc(cert.startedAt)} to ${esc(cert.endedAt)} <span class="muted">(${esc(
        durationBetween(cert.startedAt, cert.endedAt),
      )})</span>`,
    ],
    [
      'inventory',
      `<code>${esc(cert.inventory.file)}</code><br><span class="mono sha">sha256 ${esc(cert.inventory.sha256)}</span>`,
    ],
    ['havoc', esc(cert.havocVersion)],
    [
      'destructive',
      cert.destructive
        ? '<strong>yes</strong>: hosts were fenced, failures injected and VMs live-migrated'
        : '<strong>no</strong>: read-only; the destructive sections did not run (<code>--destructive</code> not given)',
    ],
    ['suite', suiteRow(cert)],
  ];
  return `<section class="cover">
<p class="cover-kicker">havoc go-live certification</p>
<div id="verdict-box" class="verdict ${VERDICT_CLASS[cert.verdict]}"><span class="verdict-mark" aria-hidden="true">${
    VERDICT_MARK[cert.verdict]
  }</span> <span id="verdict">${esc(cert.verdict)}</span><div class="verdict-sentence">${verdictSentence(cert)}</div></div>
<table class="summary cover-summary">${rows.map(([k, v]) => `<tr><td>${esc(k)}</td><td>${v}</td></tr>`).join('')}</table>
<h3>Deciding reasons</h3>
${list('verdict-reasons', cert.verdictReasons, COVER_REASONS, 'None: every line passes or does not apply.')}
<h3>Waiver problems</h3>
${list('waiver-problems', cert.waiverProblems, COVER_PROBLEMS, 'None: every waiver names a line and none has expired.')}
<h3>Did not run</h3>
${list('not-run', cert.notRun, Number.POSITIVE_INFINITY, 'Nothing: every part ran.')}
<h3>Lines per section</h3>
${statusChartSvg(parts)}
</section>`;
}

/** The lists the cover had to cut, in full, or '' when none was cut. */
export function coverOverflowHtml(cert: Certification): string {
  const parts: string[] = [];
  if (cert.verdictReasons.length > COVER_REASONS)
    parts.push(
      `<h3>Deciding reasons (all ${cert.verdictReasons.length})</h3><ul id="verdict-reasons-all">${cert.verdictReasons
        .map((r) => `<li>${esc(r)}</li>`)
        .join('')}</ul>`,
    );
  if (cert.waiverProblems.length > COVER_PROBLEMS)
    parts.push(
      `<h3>Waiver problems (all ${cert.waiverProblems.length})</h3><ul id="waiver-problems-all">${cert.waiverProblems
        .map((r) => `<li>${esc(r)}</li>`)
        .join('')}</ul>`,
    );
  return parts.length ? `<section class="cover-overflow">${parts.join('')}</section>` : '';
}
