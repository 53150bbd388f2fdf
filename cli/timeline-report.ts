import { measureProbe, type ProbeMeasurement } from '../chaos/probes/measure.js';
import type { TimelineRecord } from '../chaos/timeline/index.js';
import { probeHistory } from '../suites/verdicts/probe-history.js';
import { eventNs, laterNs } from '../suites/verdicts/timeline-events.js';
import type { StepWindow, TimelineEvent } from '../suites/verdicts/verdict.js';
import { stepWindows } from '../suites/verdicts/windows.js';
import { measurementJson } from './probe-report.js';

/*
 * `havoc timeline show`: a run's timeline as a person reads it (times from
 * the run's start, each record with its line, the id reports cite) or as
 * JSON. Probe samples are summarized per probe with measure.ts; they are
 * listed one by one only when asked for (--kind probe).
 */

export const RECORD_KINDS = ['run', 'step', 'ledger', 'action', 'watch', 'probe'] as const;
export type RecordKind = (typeof RECORD_KINDS)[number];

export interface TimelineFilter {
  /** Kinds to show; every kind but probe samples one by one when absent. */
  kinds?: readonly RecordKind[];
  /** Probes (VM names) to show; every probe when absent. */
  probes?: readonly string[];
}

export interface TimelineAccount {
  file: string;
  startNs: bigint;
  startWall?: string;
  endNs: bigint;
  records: number;
  tornLine: number | undefined;
  runs: string[];
  steps: { window: StepWindow; name?: string }[];
  /** The records shown, in file order. */
  shown: TimelineEvent[];
  probes: { probe: string; measurement: ProbeMeasurement }[];
}

const wants = (f: TimelineFilter, kind: RecordKind) => (f.kinds ? f.kinds.includes(kind) : kind !== 'probe');

export function timelineAccount(
  file: string,
  events: readonly TimelineEvent[],
  tornLine: number | undefined,
  filter: TimelineFilter,
): TimelineAccount {
  const runStart = events.find((e) => e.record.kind === 'run' && e.record.phase === 'start');
  const first = runStart ?? events[0];
  const startNs = first ? eventNs(first.record) : 0n;
  const endNs = events.map((e) => laterNs(eventNs(e.record), BigInt(e.record.ns))).reduce(laterNs, startNs);
  const probeNames = [...new Set(events.flatMap((e) => (e.record.kind === 'probe' ? [e.record.probe] : [])))];
  const probes = probeNames.filter((p) => !filter.probes || filter.probes.includes(p));
  const shown = events.filter((e) => {
    if (!wants(filter, e.record.kind)) return false;
    return e.record.kind !== 'probe' || probes.includes(e.record.probe);
  });
  const names = new Map<string, string>();
  for (const { record: r } of events)
    if (r.kind === 'step' && r.name && !names.has(r.step)) names.set(r.step, r.name);
  return {
    file,
    startNs,
    ...(first ? { startWall: first.record.wall } : {}),
    endNs,
    records: events.length,
    tornLine,
    runs: [...new Set(events.flatMap((e) => (e.record.kind === 'run' ? [e.record.run] : [])))],
    steps: wants(filter, 'step')
      ? stepWindows(events).map((window) => ({
          window,
          ...(names.has(window.step) ? { name: names.get(window.step)! } : {}),
        }))
      : [],
    shown,
    probes:
      filter.kinds && !filter.kinds.includes('probe')
        ? []
        : probes.map((probe) => ({ probe, measurement: measureProbe(probeHistory(events, probe).samples) })),
  };
}

/** "+12.345 s" from the start (negative for a record before the run's start record). */
function rel(ns: bigint, startNs: bigint): string {
  const ms = Number(ns - startNs) / 1e6;
  return `${ms < 0 ? '-' : '+'}${(Math.abs(ms) / 1000).toFixed(3)} s`;
}

const duration = (ns: bigint) => {
  const ms = Number(ns) / 1e6;
  return ms >= 1000 ? `${(ms / 1000).toFixed(3)} s` : `${ms.toFixed(1)} ms`;
};

function fieldsText(fields: Record<string, unknown> | undefined): string {
  if (!fields) return '';
  return Object.entries(fields)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
}

function describeRecord(r: TimelineRecord, startNs: bigint): string {
  switch (r.kind) {
    case 'run':
      return `run ${r.run} ${r.phase}${r.detail ? ` ${fieldsText(r.detail)}` : ''}`;
    case 'step':
      return `step ${r.step} ${r.phase}${r.name ? ` "${r.name}"` : ''}${r.faults?.length ? ` faults ${r.faults.join(',')}` : ''}`;
    case 'ledger':
      return `fault ${r.fault} ${r.name} ${r.targets.join(',')}: ${r.state}${r.detail ? ` (${r.detail})` : ''}`;
    case 'action':
      return `action ${r.id} ${r.action} ${r.targets.join(',')}: ${r.phase}${r.detail ? ` ${fieldsText(r.detail)}` : ''}`;
    case 'watch':
      return `${r.watcher}/${r.event} ${r.subject} ${fieldsText(r.fields)}`.trimEnd();
    case 'probe': {
      const folded =
        r.count && r.count > 1 && r.lastSentNs
          ? ` (${r.count} requests to ${rel(BigInt(r.lastSentNs), startNs)})`
          : '';
      const what = r.ok ? `ok ${fieldsText(r.fields)}` : `FAILED ${r.error ?? ''}`;
      return `probe ${r.probe} ${what.trimEnd()}${folded}`;
    }
  }
}

export function describeTimeline(a: TimelineAccount): string[] {
  const out = [
    `${a.file}: ${a.records} records, ${duration(a.endNs - a.startNs)}${a.startWall ? ` from ${a.startWall}` : ''}${a.runs.length ? `, run ${a.runs.join(', ')}` : ''}`,
  ];
  if (a.tornLine !== undefined)
    out.push(`  line ${a.tornLine} is torn (its writer died mid-line) and was left out`);
  if (a.steps.length) {
    out.push('', 'steps');
    for (const { window: w, name } of a.steps) {
      const marks = [
        `start ${rel(w.startNs, a.startNs)}`,
        w.injectedNs === undefined ? 'never injected' : `injected ${rel(w.injectedNs, a.startNs)}`,
        w.revertedNs === undefined ? 'not reverted' : `reverted ${rel(w.revertedNs, a.startNs)}`,
        w.steadyNs === undefined ? 'not steady' : `steady ${rel(w.steadyNs, a.startNs)}`,
        `end ${rel(w.endNs, a.startNs)}`,
      ];
      out.push(
        `  ${w.step}${name ? ` ${name}` : ''}: ${marks.join(', ')}${w.faults.length ? ` [${w.faults.join(', ')}]` : ''}`,
      );
    }
  }
  if (a.shown.length) {
    out.push('', 'records (line, time from the start)');
    const width = String(a.shown.at(-1)!.line).length;
    for (const e of a.shown) {
      const text = describeRecord(e.record, a.startNs);
      out.push(
        `  ${String(e.line).padStart(width)}  ${rel(eventNs(e.record), a.startNs).padStart(11)}  ${text}`,
      );
    }
  }
  if (a.probes.length) {
    out.push('', 'probes');
    for (const { probe, measurement: m } of a.probes) out.push(...describeProbe(probe, m, a.startNs));
  }
  return out;
}

function describeProbe(probe: string, m: ProbeMeasurement, startNs: bigint): string[] {
  const span =
    m.firstSentNs === undefined || m.lastSentNs === undefined
      ? ''
      : ` from ${rel(m.firstSentNs, startNs)} to ${rel(m.lastSentNs, startNs)}`;
  const lines = [
    `  ${probe}: ${m.requests} requests${span}, ${m.failed} failed, ${m.outages.length} outage(s), longest ${duration(m.longestOutageNs)}, unavailable ${duration(m.unavailableNs)}`,
  ];
  for (const o of m.outages) {
    const length =
      o.endNs === undefined
        ? `still down at the end (${duration(o.durationNs)} so far)`
        : duration(o.durationNs);
    lines.push(
      `    outage at ${rel(o.startNs, startNs)}: ${length}, ${o.failed} failed request(s): ${o.error}`,
    );
  }
  for (const c of m.bootIdChanges)
    lines.push(`    restart at ${rel(c.atNs, startNs)}: boot id ${c.from} -> ${c.to}`);
  for (const o of m.bootIdOverlaps)
    lines.push(
      `    RUNNING TWICE at ${rel(o.olderAgainNs, startNs)}: boot id ${o.older} answered after ${o.newer} had`,
    );
  for (const d of m.counterDecreases)
    lines.push(
      `    LOST WRITES at ${rel(d.atNs, startNs)}: disk counter went back from ${d.from} to ${d.to}`,
    );
  if (m.lateSends) lines.push(`    ${m.lateSends} send(s) left late (latest by ${duration(m.maxLateNs)})`);
  return lines;
}

const bigintsAsStrings = (_k: string, v: unknown) => (typeof v === 'bigint' ? String(v) : v);

/** The account as JSON: ns as decimal strings like the timeline, `atMs` from the start for each record. */
export function timelineJson(a: TimelineAccount): unknown {
  return JSON.parse(
    JSON.stringify(
      {
        file: a.file,
        startNs: a.startNs,
        startWall: a.startWall,
        records: a.records,
        tornLine: a.tornLine,
        runs: a.runs,
        steps: a.steps.map(({ window, name }) => ({ ...window, ...(name ? { name } : {}) })),
        shown: a.shown.map((e) => ({
          line: e.line,
          atMs: Number(eventNs(e.record) - a.startNs) / 1e6,
          record: e.record,
        })),
        probes: a.probes.map(({ probe, measurement }) => measurementJson(probe, measurement)),
      },
      bigintsAsStrings,
    ),
  );
}
