import type { StepResult, SuiteResult } from '../../result.js';
import type { TimelineEvent, Verdict } from '../../verdicts/verdict.js';
import { eventsByLine, evidenceLines, runOriginNs } from '../describe-event.js';
import { formatMs, humanDuration, verdictMessage } from '../format.js';
import { esc } from './escape.js';
import { REPORT_CSS } from './report-style.js';
import { buildTimelineModel } from './timeline-model.js';
import { timelineSvg } from './timeline-svg.js';

/*
 * The HTML report: one self-contained file (inline style, inline SVG, a few
 * lines of inline script for the hover panel; a Content-Security-Policy that
 * forbids every fetch), so it can be mailed, archived as a CI artifact and
 * opened offline. Everything from the run is escaped.
 */

const CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:";

// Shows the hovered shape's details (its <title>, the tooltip that works without this) in the panel above the timeline.
const HOVER_SCRIPT = `(() => {
  const panel = document.getElementById('detail');
  if (!panel) return;
  const show = (e) => {
    const el = e.target instanceof Element ? e.target.closest('svg.timeline :has(> title)') : null;
    const title = el && el.querySelector(':scope > title');
    if (title) panel.textContent = title.textContent;
  };
  document.addEventListener('mouseover', show);
  document.addEventListener('click', show);
})();`;

function badge(status: string): string {
  return `<span class="badge ${esc(status)}">${esc(status)}</span>`;
}

function row(cells: string[], tag = 'td'): string {
  return `<tr>${cells.map((c) => `<${tag}>${c}</${tag}>`).join('')}</tr>`;
}

function summary(result: SuiteResult): string {
  const s = result.suite;
  const rows: [string, string][] = [
    ['outcome', badge(result.outcome) + (result.abortReason ? ` ${esc(result.abortReason)}` : '')],
    ['suite', `${esc(s.name)}${s.description ? ` <span class="muted">${esc(s.description)}</span>` : ''}`],
    ['suite file', s.file ? `<code>${esc(s.file)}</code>` : '<span class="muted">built in</span>'],
    ['seed, repeats', `${esc(s.seed)}, ${esc(s.repeat)}`],
    ['run', `<code>${esc(result.run)}</code>`],
    ['started', `${esc(result.startWall)} <span class="muted">ended ${esc(result.endWall)}</span>`],
    ['duration', esc(humanDuration(result.durationMs))],
    [
      'inventory',
      `<code>${esc(result.inventory.file)}</code> cluster ${esc(result.inventory.cluster)} <span class="muted mono">sha256 ${esc(result.inventory.sha256)}</span>`,
    ],
    ['havoc', esc(result.versions.havoc)],
    ['timeline', `<code>${esc(result.timeline)}</code>`],
  ];
  const hosts = Object.entries(result.versions.cluster);
  const components = [...new Set(hosts.flatMap(([, c]) => Object.keys(c)))].sort();
  const versions =
    hosts.length === 0
      ? '<p class="muted">no cluster software versions were recorded</p>'
      : `<table class="versions">${row(['host', ...components.map(esc)], 'th')}${hosts
          .map(([h, c]) => row([esc(h), ...components.map((k) => esc(c[k] ?? '-'))]))
          .join('')}</table>`;
  return `<table class="summary">${rows.map(([k, v]) => row([esc(k), v])).join('')}</table>
<details id="versions" open><summary>cluster software on ${hosts.length} host${hosts.length === 1 ? '' : 's'}</summary>${versions}</details>`;
}

function verdictRows(result: SuiteResult, byLine: Map<number, TimelineEvent>, originNs: bigint): string {
  const rows: string[] = [];
  const evidenceCell = (v: Verdict) => {
    if (v.evidence.length === 0) return '<span class="muted">none</span>';
    const lines = evidenceLines(v.evidence, byLine, originNs);
    return `<details><summary>${v.evidence.length} event${v.evidence.length === 1 ? '' : 's'}: lines ${esc(
      v.evidence.join(', '),
    )}</summary><pre>${esc(lines.join('\n'))}</pre></details>`;
  };
  for (const step of result.steps) {
    for (const v of step.verdicts)
      rows.push(
        `<tr class="verdict" data-status="${esc(v.status)}" data-step="${esc(step.step)}" data-expectation="${esc(
          v.expectation,
        )}" data-subject="${esc(v.subject)}"><td>${esc(step.step)}</td><td>${esc(step.name)}</td><td>${esc(
          v.expectation,
        )}</td><td>${esc(v.subject)}</td><td>${badge(v.status)}</td><td class="num measured">${
          v.measuredMs !== undefined ? esc(formatMs(v.measuredMs)) : ''
        }</td><td class="num target">${v.targetMs !== undefined ? esc(formatMs(v.targetMs)) : ''}</td><td>${esc(
          v.status === 'pass' ? v.reason : verdictMessage(v),
        )}</td><td>${evidenceCell(v)}</td></tr>`,
      );
    if (step.error !== undefined)
      rows.push(
        `<tr class="step-error" data-step="${esc(step.step)}"><td>${esc(step.step)}</td><td>${esc(
          step.name,
        )}</td><td colspan="7">${badge('fail')} the step did not run to its end: ${esc(step.error)}</td></tr>`,
      );
  }
  if (rows.length === 0)
    return `<p class="muted">No verdict: ${esc(result.abortReason ?? 'no step ran')}</p>`;
  return `<table id="verdicts">${row(
    ['step', 'name', 'expectation', 'subject', 'verdict', 'measured', 'target (SLO)', 'why', 'evidence'],
    'th',
  )}${rows.join('\n')}</table>`;
}

function statsTable(result: SuiteResult): string {
  if (result.stats.length === 0) return '<p class="muted">Nothing was measured.</p>';
  const rows = result.stats.map(
    (s) =>
      `<tr class="stat" data-step="${esc(s.stepName)}" data-expectation="${esc(s.expectation)}" data-subject="${esc(
        s.subject,
      )}"><td>${esc(s.stepName)}</td><td>${esc(s.expectation)}</td><td>${esc(s.subject)}</td><td class="num">${esc(
        s.count,
      )}</td><td class="num p50">${esc(formatMs(s.p50Ms))}</td><td class="num p95">${esc(
        formatMs(s.p95Ms),
      )}</td><td class="num max">${esc(formatMs(s.maxMs))}</td><td class="num">${
        s.targetMs !== undefined ? esc(formatMs(s.targetMs)) : ''
      }</td><td>${(['pass', 'fail', 'inconclusive'] as const)
        .filter((k) => s.statuses[k] > 0)
        .map((k) => `${badge(k)} ${esc(s.statuses[k])}`)
        .join(' ')}</td></tr>`,
  );
  return `<table id="stats">${row(
    ['step', 'expectation', 'subject', 'runs', 'p50', 'p95', 'max', 'target (SLO)', 'verdicts'],
    'th',
  )}${rows.join('\n')}</table>`;
}

function stepsTable(steps: StepResult[]): string {
  if (steps.length === 0) return '<p class="muted">No step ran.</p>';
  return `<table id="steps">${row(['step', 'name', 'fault or action', 'targets', 'chosen how', 'started', 'duration'], 'th')}${steps
    .map((s) =>
      row([
        esc(s.step),
        esc(s.name),
        `<code>${esc(s.fault)}</code>${Object.keys(s.params).length ? ` <span class="mono muted">${esc(JSON.stringify(s.params))}</span>` : ''}`,
        esc(s.targets.join(', ')),
        esc(
          Object.entries(s.selections)
            .map(([k, v]) => `${k}: ${v}`)
            .join('; '),
        ),
        esc(s.startWall),
        esc(humanDuration(s.durationMs)),
      ]),
    )
    .join('')}</table>`;
}

/** The timeline cut to each step, open for the steps that did not pass. */
function stepTimelines(result: SuiteResult, model: ReturnType<typeof buildTimelineModel>): string {
  return result.steps
    .map((s) => {
      const range = { fromNs: BigInt(s.startNs), toNs: BigInt(s.endNs) };
      if (range.toNs <= range.fromNs) return '';
      const bad = s.error !== undefined || s.verdicts.some((v) => v.status !== 'pass');
      return `<details class="step-timeline" data-step="${esc(s.step)}"${bad ? ' open' : ''}><summary>step ${esc(
        s.step,
      )} ${esc(s.name)} (${esc(humanDuration(s.durationMs))})</summary><div class="timeline-wrap">${timelineSvg(
        model,
        {
          range,
          id: `timeline-step-${s.step}`,
          label: `timeline of step ${s.step}`,
        },
      )}</div></details>`;
    })
    .join('\n');
}

const LEGEND = `<p class="legend">
<span><i style="background:#2da44e"></i>online / probe up</span>
<span><i style="background:#cf222e"></i>unclean / probe down</span>
<span><i style="background:#6e7781"></i>offline</span>
<span><i style="background:#bf8700"></i>standby, maintenance, pending</span>
<span><i style="background:#8c959f"></i>stopped / cluster unreadable</span>
<span><i style="background:#e79095"></i>probe up and down too close together to draw apart (hover: how many, how long)</span>
<span><i style="background:#a40e26"></i>failed or running twice</span>
<span><i style="background:#ffebe9;border:1px solid #cf222e"></i>fault in effect (injected to reverted)</span>
<span><i style="background:#ddf4ff;border:1px solid #0969da"></i>action (start to done)</span>
<span>&#9660; marker: fence (black), boot id change (orange), disk counter went back (purple), alert firing (red) / resolved (green), VM lifecycle (grey)</span>
</p>`;

export function reportHtml(result: SuiteResult, events: readonly TimelineEvent[]): string {
  const byLine = eventsByLine(events);
  const originNs = runOriginNs(events);
  const model = buildTimelineModel(events);
  const timeline =
    events.length === 0
      ? '<p class="muted">The timeline given to the report is empty.</p>'
      : `${LEGEND}<div id="detail" class="mono">Hover over the timeline for details.</div>
<div class="timeline-wrap">${timelineSvg(model, { id: 'timeline', label: 'timeline of the whole run' })}</div>
<p class="muted">Seconds since the run started (monotonic clock). A state lasts from the record that reported it to the next; nothing is drawn before a subject's first record. Probe samples are placed at the resolution shown beside each probe lane.</p>
${stepTimelines(result, model)}`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${esc(CSP)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(`havoc ${result.suite.name}: ${result.outcome}`)}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
<h1>havoc suite <span id="suite-name">${esc(result.suite.name)}</span>: <span id="outcome">${badge(result.outcome)}</span></h1>
<section id="summary">${summary(result)}</section>
<h2>Verdicts</h2>
${verdictRows(result, byLine, originNs)}
<h2>Measured over the repeats</h2>
${statsTable(result)}
<h2>Timeline</h2>
${timeline}
<h2>Steps</h2>
${stepsTable(result.steps)}
<script>${HOVER_SCRIPT}</script>
</body>
</html>
`;
}
