import { esc } from '../../suites/reports/html/escape.js';
import { type SectionPart, SHOWN_STATUSES, type ShownStatus } from './shown-status.js';

/*
 * The cover's picture: one stacked bar per section, a segment per status
 * sized by its number of lines. Each status has a colour AND a fill pattern
 * AND its letter with the count in the segment and beside the bar, so the
 * picture still reads on a black and white print or for a reader who does
 * not tell red from green.
 */

const FILL: Record<ShownStatus, { colour: string; pattern?: string }> = {
  pass: { colour: '#2da44e' },
  warning: { colour: '#d4a72c', pattern: 'M-1,1 l2,-2 M0,8 l8,-8 M7,9 l2,-2' },
  fail: { colour: '#cf222e', pattern: 'M0,0 L8,8 M8,0 L0,8' },
  error: { colour: '#8250df', pattern: 'M2,2 h1 v1 h-1 z M6,6 h1 v1 h-1 z' },
  inconclusive: { colour: '#bc4c00', pattern: 'M0,2 H8 M0,6 H8' },
  waived: { colour: '#0969da', pattern: 'M-1,7 l2,2 M0,0 l8,8 M7,-1 l2,2' },
  'not-applicable': { colour: '#ffffff' },
};

const LABEL_W = 262;
const BAR_W = 300;
const ROW_H = 24;
const BAR_H = 16;
const WIDTH = 720;

function patternDefs(): string {
  return SHOWN_STATUSES.filter(({ status }) => FILL[status].pattern)
    .map(
      ({ status }) =>
        `<pattern id="cert-pat-${status}" patternUnits="userSpaceOnUse" width="8" height="8"><rect width="8" height="8" fill="${
          FILL[status].colour
        }"/><path d="${FILL[status].pattern}" stroke="#000" stroke-opacity="0.55" stroke-width="1.2" fill="#000" fill-opacity="0.55"/></pattern>`,
    )
    .join('');
}

function fillOf(status: ShownStatus): string {
  return FILL[status].pattern ? `url(#cert-pat-${status})` : FILL[status].colour;
}

function letter(status: ShownStatus): string {
  return SHOWN_STATUSES.find((s) => s.status === status)?.letter ?? '?';
}

function bar(part: SectionPart, y: number): string {
  const total = part.lines.length;
  const title = `<text class="chart-title" x="0" y="${y + 12}">${esc(part.title)}</text>`;
  if (total === 0)
    return `<g class="bar" data-section="${esc(part.section)}" data-total="0">${title}<rect class="chart-empty" x="${LABEL_W}" y="${y}" width="${BAR_W}" height="${BAR_H}"/><text x="${
      LABEL_W + 6
    }" y="${y + 12}" class="chart-note">no line</text></g>`;
  let x = LABEL_W;
  const segments: string[] = [];
  for (const { status, word } of SHOWN_STATUSES) {
    const n = part.counts[status];
    if (n === 0) continue;
    const w = (BAR_W * n) / total;
    const label = `${letter(status)} ${n}`;
    segments.push(
      `<g class="segment" data-status="${status}" data-count="${n}"><title>${esc(
        `${part.title}: ${n} ${word}`,
      )}</title><rect x="${x.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${BAR_H}" fill="${fillOf(
        status,
      )}" stroke="#1f2328" stroke-width="0.6"/>${
        // A label fits from ~7 px per character.
        w >= label.length * 7 + 8
          ? `<rect class="chart-seg-plate" x="${(x + w / 2 - label.length * 3.5 - 2).toFixed(1)}" y="${y + 2}" width="${
              label.length * 7 + 4
            }" height="${BAR_H - 4}" rx="2"/><text class="chart-seg-label" x="${(x + w / 2).toFixed(1)}" y="${
              y + 12
            }" text-anchor="middle">${esc(label)}</text>`
          : ''
      }</g>`,
    );
    x += w;
  }
  const counts = SHOWN_STATUSES.filter(({ status }) => part.counts[status] > 0)
    .map(({ status }) => `${letter(status)} ${part.counts[status]}`)
    .join('  ');
  return `<g class="bar" data-section="${esc(part.section)}" data-total="${total}">${title}${segments.join(
    '',
  )}<text class="chart-counts" x="${LABEL_W + BAR_W + 8}" y="${y + 12}">${esc(counts)}</text></g>`;
}

function legend(y: number): string {
  let x = 0;
  return `<g class="chart-legend">${SHOWN_STATUSES.map(({ status, letter: l, word }) => {
    const item = `<g data-status="${status}"><rect x="${x}" y="${y}" width="22" height="12" fill="${fillOf(
      status,
    )}" stroke="#1f2328" stroke-width="0.6"/><text x="${x + 26}" y="${y + 10}">${esc(`${l} ${word}`)}</text></g>`;
    x += 34 + (l.length + word.length + 1) * 6.5;
    return item;
  }).join('')}</g>`;
}

/** The per-section picture of the cover, as inline SVG (no external asset). */
export function statusChartSvg(parts: readonly SectionPart[]): string {
  const height = parts.length * ROW_H + 26;
  return `<svg class="status-chart" role="img" aria-label="lines per section and status" viewBox="0 0 ${WIDTH} ${height}" width="100%" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg"><defs>${patternDefs()}</defs>${parts
    .map((p, i) => bar(p, i * ROW_H))
    .join('')}${legend(parts.length * ROW_H + 8)}</svg>`;
}
