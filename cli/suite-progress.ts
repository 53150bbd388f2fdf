import type { SuiteResult } from '../suites/result.js';
import type { SuiteEvent } from '../suites/runner/events.js';
import { renderTable } from './table.js';

const secs = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

/** One progress line for a terminal, or nothing for events a person need not see one by one. */
export function describeSuiteEvent(e: SuiteEvent): string | undefined {
  switch (e.type) {
    case 'suite':
      return e.phase === 'start'
        ? `suite ${e.suite}: ${e.steps} step(s), seed ${e.seed}; timeline ${e.timeline}`
        : `suite ${e.suite}: ${e.outcome}${e.abortReason ? ` (${e.abortReason})` : ''}`;
    case 'steady':
      return `[${secs(e.elapsedMs)}]${e.step ? ` ${e.step}` : ''} steady state ${e.ok ? 'holds' : `not yet: ${e.reason}`}`;
    case 'step':
      return `[${secs(e.elapsedMs)}] ${e.step} ${e.name}: ${e.phase}${e.detail ? ` (${e.detail})` : ''}`;
    case 'probe': {
      const c = e.change;
      if (c.kind === 'down') return `  ${c.probe} DOWN: ${c.error}`;
      if (c.kind === 'up')
        return `  ${c.probe} UP${c.downForNs ? ` after ${(Number(c.downForNs) / 1e6).toFixed(1)} ms` : ''}`;
      return `  ${c.probe} RESTARTED: boot id ${c.from} -> ${c.to}`;
    }
    case 'watch': {
      if (e.watcher === 'alertmanager' && e.event === 'alert') {
        const { status, labels } = (e.fields ?? {}) as { status?: string; labels?: Record<string, string> };
        const shown = Object.entries(labels ?? {})
          .filter(([k]) => k !== 'alertname')
          .map(([k, v]) => `${k}=${v}`)
          .join(',');
        return `  alert ${e.subject.replace(/^alert:/, '')}{${shown}} ${String(status).toUpperCase()}`;
      }
      return `  ${e.watcher} ${e.subject} ${e.event} ${JSON.stringify(e.fields ?? {})}`;
    }
    case 'verdict': {
      const v = e.verdict;
      return `  ${e.live ? 'decided' : 'verdict'} ${e.step} ${v.expectation}(${v.subject}): ${v.status.toUpperCase()}: ${v.reason}`;
    }
    case 'status':
      return `  ${e.step} ${secs(e.elapsedMs)}: ${e.probes
        .map(
          (p) =>
            `${p.vm} ${p.up === undefined ? '?' : p.up ? 'up' : `DOWN ${secs(p.downForMs ?? 0)}`}${p.restarts ? ` (${p.restarts} restart)` : ''}`,
        )
        .join(', ')}; ${e.decided}/${e.expectations} decided`;
    case 'note':
      return `  ${e.text}`;
  }
}

/** The verdicts of a run as a table: step, expectation, subject, status, measured vs target. */
export function verdictTable(r: SuiteResult): string {
  const rows = r.steps.flatMap((s) => {
    if (s.verdicts.length === 0)
      return [[s.step, s.name, '-', '-', s.error ? 'ERROR' : '-', '', s.error ?? '']];
    return s.verdicts.map((v) => [
      s.step,
      s.name,
      v.expectation,
      v.subject,
      v.status.toUpperCase(),
      `${v.measuredMs === undefined ? '-' : `${Math.round(v.measuredMs)} ms`} / ${v.targetMs === undefined ? '-' : `${v.targetMs} ms`}`,
      v.reason,
    ]);
  });
  return renderTable(['STEP', 'NAME', 'EXPECTATION', 'SUBJECT', 'VERDICT', 'MEASURED / TARGET', 'WHY'], rows);
}
