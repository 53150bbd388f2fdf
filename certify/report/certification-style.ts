import { REPORT_CSS } from '../../suites/reports/html/report-style.js';

/*
 * The certification's stylesheet: the suite report's (same fonts, tables and
 * badges) plus the cover, the line tables and the print rules: A4, colours
 * kept in print, the cover alone on page 1, no line's row split across two
 * pages, no heading left at the foot of a page without what it heads. The
 * margins leave room for the page numbers printCertificationPdf puts in the
 * footer.
 */
export const PAGE_MARGIN = { top: '14mm', right: '12mm', bottom: '16mm', left: '12mm' } as const;

export const CERTIFICATION_CSS = `${REPORT_CSS}
@page { size: A4; margin: ${PAGE_MARGIN.top} ${PAGE_MARGIN.right} ${PAGE_MARGIN.bottom} ${PAGE_MARGIN.left}; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { max-width: 1100px; }
h3 { font-size: 14px; margin: 14px 0 4px; }
.cover-kicker { font-size: 15px; color: var(--muted); margin: 0 0 8px; letter-spacing: 0.04em; }
.verdict { font-size: 54px; font-weight: 800; line-height: 1.1; padding: 14px 20px; margin: 0 0 12px; border: 6px solid; }
.verdict-go { color: #116329; border-color: #1a7f37; background: #dafbe1; }
.verdict-waivers { color: #7d4e00; border-color: #bf8700; background: #fff8c5; border-style: dashed; }
.verdict-nogo { color: #a40e26; border-color: #cf222e; background: #ffebe9; border-style: double; border-width: 9px; }
.verdict-sentence { font-size: 14px; font-weight: 500; margin-top: 4px; color: var(--ink); }
.disagrees { color: #a40e26; }
.cover-summary td:first-child { width: 8em; }
.cover ul { margin: 2px 0 4px; padding-left: 20px; }
.sha { word-break: break-all; }
.status-chart { max-width: 760px; display: block; }
.status-chart text { font: 11px system-ui, "DejaVu Sans", sans-serif; fill: var(--ink); }
.status-chart .chart-seg-label { font-weight: 700; fill: #000; }
.status-chart .chart-seg-plate { fill: #fff; fill-opacity: 0.9; }
.status-chart .chart-counts { font-family: ui-monospace, "DejaVu Sans Mono", monospace; }
.status-chart .chart-empty { fill: none; stroke: #8c959f; stroke-dasharray: 3 2; }
.status-chart .chart-note { fill: var(--muted); }
table.lines { width: 100%; table-layout: fixed; }
table.lines th.req { width: 23%; } table.lines th.status { width: 12%; } table.lines th.mt { width: 22%; }
table.lines td { overflow-wrap: anywhere; }
.line-id { font-weight: 600; }
.badge { white-space: nowrap; }
.line-title { margin-top: 2px; }
.badge.st-pass { background: var(--pass); } .badge.st-fail { background: var(--fail); }
.badge.st-warning { background: #9a6700; } .badge.st-error { background: #8250df; }
.badge.st-inconclusive { background: #bc4c00; } .badge.st-waived { background: #0969da; }
.badge.st-not-applicable { background: #6e7781; }
.remediation, .references, .waiver, .evidence { margin-top: 4px; }
.waiver { padding: 2px 6px; border-left: 3px solid #0969da; background: #ddf4ff; }
.waiver.expired { border-left: 3px double #cf222e; background: #ffebe9; }
.expired-note { color: #a40e26; font-weight: 600; }
.evidence-label { color: var(--muted); }
.evidence-text { background: #f6f8fa; border: 1px solid #d0d7de; padding: 2px 4px; font-size: 11px; }
tr.version.differs td { background: #fff8c5; font-weight: 700; }
.differs-mark { color: #7d4e00; }
.cover-overflow, .part, .versions-part, .suite-part { margin-top: 8px; }
@media print {
  body { margin: 0; font-size: 11px; max-width: none; }
  code, pre, .mono { font-size: 10px; }
  a { color: inherit; }
  .cover { break-after: page; }
  h2, h3 { break-after: avoid; }
  tr, .evidence-text, .status-chart { break-inside: avoid; }
  thead { display: table-header-group; }
  details > summary { display: none; }
}
`;
