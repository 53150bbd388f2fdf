import { exactOffsetLabel } from '../describe-event.js';
import { exactDuration } from '../format.js';
import { esc } from './escape.js';
import type { Lane, Marker, Segment, TimelineModel, Window } from './timeline-types.js';

/*
 * The timeline as inline SVG, in the manner of Jepsen's timeline: time runs
 * left to right in seconds since the run's start, one row per lane, fault
 * and action windows shaded across every lane, steps on a band at the top.
 * Every shape carries its details once, in a <title> (the browser's
 * tooltip, which the page's hover panel also shows). Probe runs narrower
 * than a pixel next to each other (a flapping link seen at 50 Hz over 20
 * minutes) are drawn as one shape that says what it holds; a step's own, zoomed
 * timeline draws them one by one. So the drawing grows with what can be
 * seen, not with the samples.
 */

const WIDTH = 1200;
const LABEL_W = 210;
const PLOT_X = LABEL_W + 10;
const PLOT_W = WIDTH - PLOT_X - 12;
const AXIS_H = 26;
const STEP_H = 18;
const WINDOW_H = 16;
const LANE_H = 18;
const LANE_GAP = 6;
const TICKS_S = [0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200];

function num(n: number): string {
  return n.toFixed(1);
}

function shape(tag: 'rect' | 'path' | 'circle', attrs: Record<string, string>, detail: string): string {
  const a = Object.entries(attrs)
    .map(([k, v]) => `${k}="${esc(v)}"`)
    .join(' ');
  return `<${tag} ${a}><title>${esc(detail)}</title></${tag}>`;
}

export interface TimeRange {
  fromNs: bigint;
  toNs: bigint;
}

// Math.max/min take no bigint.
const laterOf = (a: bigint, b: bigint) => (a > b ? a : b);
const earlierOf = (a: bigint, b: bigint) => (a < b ? a : b);

/** Only what overlaps the range, cut to it (a state that began before the range is shown from its start). */
function clip(model: TimelineModel, r: TimeRange): TimelineModel {
  const cut = <T extends { fromNs: bigint; toNs: bigint }>(list: T[]) =>
    list
      .filter((w) => w.toNs > r.fromNs && w.fromNs < r.toNs)
      .map((w) => ({
        ...w,
        fromNs: laterOf(w.fromNs, r.fromNs),
        toNs: earlierOf(w.toNs, r.toNs),
      }));
  const lanes = model.lanes
    .map((l) => ({
      ...l,
      segments: cut(l.segments),
      markers: l.markers.filter((m) => m.atNs >= r.fromNs && m.atNs <= r.toNs),
    }))
    .filter((l) => l.segments.length > 0 || l.markers.length > 0);
  return { ...model, lanes, windows: cut(model.windows), steps: cut(model.steps) };
}

/**
 * The SVG of the whole run, or of a range of it (a step, so that a
 * 300 ms outage in a 3 s migration is wide enough to see). The axis counts
 * seconds since the run's start either way, as the evidence lines do.
 */
export function timelineSvg(
  whole: TimelineModel,
  opts: { range?: TimeRange; id: string; label: string },
): string {
  const range = opts.range ?? { fromNs: whole.originNs, toNs: whole.endNs };
  const model = clip(whole, range);
  const span = range.toNs > range.fromNs ? range.toNs - range.fromNs : 1n;
  const spanS = Number(span) / 1e9;
  const startS = Number(range.fromNs - whole.originNs) / 1e9;
  const x = (ns: bigint) => PLOT_X + (Number(ns - range.fromNs) / Number(span)) * PLOT_W;
  const windowsTop = AXIS_H + STEP_H;
  const lanesTop = windowsTop + WINDOW_H + LANE_GAP;
  const laneY = (i: number) => lanesTop + i * (LANE_H + LANE_GAP);
  const height = laneY(model.lanes.length) + 4;
  const out: string[] = [];

  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="timeline" id="${esc(opts.id)}" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-label="${esc(opts.label)}">`,
  );

  // Time axis: ticks at round seconds since the run's start.
  const tick = TICKS_S.find((t) => spanS / t <= 12) ?? (TICKS_S.at(-1) as number);
  out.push('<g class="axis">');
  for (let k = Math.ceil(startS / tick - 1e-9); k * tick <= startS + spanS + 1e-9; k++) {
    const t = k * tick;
    const tx = PLOT_X + ((t - startS) / spanS) * PLOT_W;
    out.push(`<line x1="${num(tx)}" x2="${num(tx)}" y1="${AXIS_H - 4}" y2="${height}" class="grid"/>`);
    out.push(
      `<text x="${num(tx)}" y="${AXIS_H - 8}" text-anchor="middle">${esc(`${Number(t.toFixed(1))} s`)}</text>`,
    );
  }
  out.push('</g>');

  const windowRect = (w: Window, y: number, h: number, cls: string) => {
    const x1 = x(w.fromNs);
    const wdt = Math.max(1, x(w.toNs) - x1);
    const detail = `${w.detail}${w.closed ? '' : '\n(still open when the timeline ends)'}`;
    return shape('rect', { x: num(x1), y: num(y), width: num(wdt), height: num(h), class: cls }, detail);
  };
  const bandLabel = (w: Window, y: number) => {
    const x1 = x(w.fromNs);
    const wdt = x(w.toNs) - x1;
    if (wdt < 40) return '';
    const text = w.label.length * 6 > wdt ? (w.label.split(' ')[0] ?? '') : w.label;
    return `<text x="${num(x1 + 3)}" y="${num(y)}" class="band-label">${esc(text)}</text>`;
  };

  // Steps, then faults and actions, each on a band of its own above the lanes.
  out.push('<g class="steps">');
  for (const st of model.steps) {
    out.push(windowRect(st, AXIS_H, STEP_H - 2, 'step'));
    out.push(bandLabel(st, AXIS_H + STEP_H - 6));
  }
  out.push('</g>');
  out.push('<g class="windows">');
  for (const w of model.windows) {
    out.push(windowRect(w, windowsTop, WINDOW_H - 2, `window w-${w.kind}${w.closed ? '' : ' w-open'}`));
    out.push(bandLabel(w, windowsTop + WINDOW_H - 5));
  }
  out.push('</g>');

  model.lanes.forEach((lane, i) => out.push(laneSvg(lane, laneY(i), x, whole.originNs)));

  // The same windows shaded over every lane, on top (the lanes are opaque) and transparent to the pointer.
  out.push('<g class="shades">');
  for (const w of model.windows) {
    const x1 = x(w.fromNs);
    out.push(
      `<rect x="${num(x1)}" y="${num(lanesTop - 2)}" width="${num(Math.max(1, x(w.toNs) - x1))}" height="${num(
        height - lanesTop,
      )}" class="shade w-${w.kind}"/>`,
    );
  }
  out.push('</g>');
  out.push('</svg>');
  return out.join('\n');
}

function segmentSvg(s: Segment, y: number, x: (ns: bigint) => number): string {
  const x1 = x(s.fromNs);
  // A probe outage stays visible however short it is against the range.
  const w = Math.max(s.cls === 'p-down' ? 2 : 0.8, x(s.toNs) - x1);
  const rect = shape(
    'rect',
    { x: num(x1), y: num(y), width: num(w), height: String(LANE_H), class: `seg ${s.cls}` },
    s.detail,
  );
  const fits = w > s.label.length * 6.2 + 6;
  return fits
    ? `${rect}<text x="${num(x1 + 3)}" y="${num(y + LANE_H - 5)}" class="seg-label">${esc(s.label)}</text>`
    : rect;
}

/** Below this width a state is drawn together with its narrow neighbours, up to BLOCK_PX. */
const NARROW_PX = 1;
const BLOCK_PX = 3;

/** Consecutive segments narrower than a pixel, in blocks of at most BLOCK_PX; a wide segment is a block of its own. */
function blocksOf(segments: readonly Segment[], x: (ns: bigint) => number): Segment[][] {
  const blocks: Segment[][] = [];
  let open: Segment[] | undefined;
  for (const s of segments) {
    const narrow = x(s.toNs) - x(s.fromNs) < NARROW_PX;
    const first = open?.[0];
    if (narrow && open && first && x(s.toNs) - x(first.fromNs) <= BLOCK_PX) open.push(s);
    else {
      open = narrow ? [s] : undefined;
      blocks.push(open ?? [s]);
    }
  }
  return blocks;
}

/** What a block of several states held: how many of each, for how long, and the longest of each to the ns. */
function blockDetail(block: readonly Segment[], lane: Lane, originNs: bigint): string {
  const first = block[0] as Segment;
  const last = block.at(-1) as Segment;
  const byLabel = new Map<string, { n: number; ns: bigint; requests: number; longest: Segment }>();
  for (const s of block) {
    const d = s.toNs - s.fromNs;
    const g = byLabel.get(s.label);
    if (!g) byLabel.set(s.label, { n: 1, ns: d, requests: s.requests ?? 0, longest: s });
    else {
      g.n++;
      g.ns += d;
      g.requests += s.requests ?? 0;
      if (d > g.longest.toNs - g.longest.fromNs) g.longest = s;
    }
  }
  const parts = [...byLabel].map(
    ([label, g]) =>
      `${label}: ${g.n} time${g.n === 1 ? '' : 's'}, ${exactDuration(g.ns)} in all${
        g.requests ? `, ${g.requests} requests` : ''
      }; the longest from ${exactOffsetLabel(g.longest.fromNs, originNs)} to ${exactOffsetLabel(
        g.longest.toNs,
        originNs,
      )} (${exactDuration(g.longest.toNs - g.longest.fromNs)})`,
  );
  return [
    `${lane.label}: ${block.length} states from ${exactOffsetLabel(first.fromNs, originNs)} to ${exactOffsetLabel(
      last.toNs,
      originNs,
    )}, too close together to draw apart at this scale (a step's own timeline draws them one by one)`,
    ...parts,
  ].join('\n');
}

function blockSvg(
  block: readonly Segment[],
  lane: Lane,
  y: number,
  x: (ns: bigint) => number,
  originNs: bigint,
) {
  const first = block[0] as Segment;
  if (block.length === 1) return segmentSvg(first, y, x);
  const x1 = x(first.fromNs);
  const w = Math.max(1, x((block.at(-1) as Segment).toNs) - x1);
  const cls = block.some((s) => s.cls === 'p-down') ? 'seg mixed mixed-down' : 'seg mixed';
  return shape(
    'rect',
    { x: num(x1), y: num(y), width: num(w), height: String(LANE_H), class: cls },
    blockDetail(block, lane, originNs),
  );
}

function markerSvg(m: Marker, y: number, x: (ns: bigint) => number): string {
  const cx = x(m.atNs);
  // A downward triangle above the lane's middle, so markers at one instant on several lanes stay apart.
  const d = `M ${num(cx - 5)} ${num(y - 1)} L ${num(cx + 5)} ${num(y - 1)} L ${num(cx)} ${num(y + LANE_H / 2)} Z`;
  return shape('path', { d, class: `marker ${m.cls}` }, m.detail);
}

function laneSvg(lane: Lane, y: number, x: (ns: bigint) => number, originNs: bigint): string {
  const parts = [
    `<g class="lane lane-${lane.kind}" data-lane="${esc(lane.name)}" data-kind="${esc(lane.kind)}"${
      lane.source ? ` data-source="${esc(lane.source)}"` : ''
    }>`,
    `<text x="${LABEL_W}" y="${num(y + LANE_H - 5)}" text-anchor="end" class="lane-label">${esc(lane.label)}${
      lane.note ? `<tspan class="lane-note"> ${esc(lane.note)}</tspan>` : ''
    }</text>`,
    `<rect x="${PLOT_X}" y="${num(y)}" width="${PLOT_W}" height="${LANE_H}" class="lane-bg"/>`,
  ];
  // Only a probe's runs: they come at the probe's rate. Watchers report changes only, and a VM running twice
  // for half a second must keep its own colour.
  const blocks = lane.kind === 'probe' ? blocksOf(lane.segments, x) : lane.segments.map((s) => [s]);
  const isDown = (b: Segment[]) => b.some((s) => s.cls === 'p-down');
  // Outages last, on top: widened to stay visible, they must not sit under the next state, out of the pointer's reach.
  for (const b of blocks) if (!isDown(b)) parts.push(blockSvg(b, lane, y, x, originNs));
  for (const b of blocks) if (isDown(b)) parts.push(blockSvg(b, lane, y, x, originNs));
  for (const m of lane.markers) parts.push(markerSvg(m, y, x));
  parts.push('</g>');
  return parts.join('\n');
}
