import type { TimelineRecord } from '../../chaos/timeline/index.js';
import { eventNs, laterNs } from './timeline-events.js';
import type { StepWindow, TimelineEvent } from './verdict.js';

/*
 * Step windows from the timeline's `step` records (the runner's marks) and
 * the `ledger` and `action` records of the faults they name:
 * - startNs: the step's `start` (else its first record);
 * - injectedNs: when every fault of the step was seen in effect: the latest of
 *   their ledger `verified` records (an action's: its `done`); absent when one
 *   never was;
 * - revertedNs: the latest ledger `reverted` of the step's ledger faults;
 *   absent when one was not reverted, or the step had only actions;
 * - steadyNs: the step's `steady`;
 * - endNs: its `end`, else the next step's start, else the timeline's last record.
 */

type StepRecord = Extract<TimelineRecord, { kind: 'step' }>;

interface Marks {
  step: string;
  records: { line: number; record: StepRecord }[];
}

/** Every step of the run, in the order they started. */
export function stepWindows(events: readonly TimelineEvent[]): StepWindow[] {
  const marks = new Map<string, Marks>();
  let lastNs = 0n;
  for (const { line, record } of events) {
    lastNs = laterNs(lastNs, eventNs(record));
    if (record.kind !== 'step') continue;
    const m = marks.get(record.step) ?? { step: record.step, records: [] };
    m.records.push({ line, record });
    marks.set(record.step, m);
  }
  const starts = [...marks.values()].map((m) => ({
    m,
    startNs: phaseNs(m, 'start') ?? BigInt(m.records[0]!.record.ns),
  }));
  starts.sort((a, b) => (a.startNs < b.startNs ? -1 : a.startNs > b.startNs ? 1 : 0));
  return starts.map(({ m, startNs }, i) => {
    const faults = [...new Set(m.records.flatMap((r) => r.record.faults ?? []))];
    const injectedNs = injectionNs(events, faults);
    const revertedNs = revertNs(events, faults);
    const steadyNs = phaseNs(m, 'steady');
    const endNs = phaseNs(m, 'end') ?? starts[i + 1]?.startNs ?? lastNs;
    return {
      step: m.step,
      startNs,
      ...(injectedNs === undefined ? {} : { injectedNs }),
      ...(revertedNs === undefined ? {} : { revertedNs }),
      ...(steadyNs === undefined ? {} : { steadyNs }),
      endNs,
      faults,
    };
  });
}

/** The window of one step, or undefined when the timeline has no such step. */
export function stepWindow(events: readonly TimelineEvent[], step: string): StepWindow | undefined {
  return stepWindows(events).find((w) => w.step === step);
}

function phaseNs(m: Marks, phase: StepRecord['phase']): bigint | undefined {
  const r = m.records.find((x) => x.record.phase === phase);
  return r === undefined ? undefined : BigInt(r.record.ns);
}

/** The record that put each fault in effect: its first ledger `verified`, or for an action its `done`. */
export function injectionRecords(
  events: readonly TimelineEvent[],
  faults: readonly string[],
): Map<string, TimelineEvent> {
  const found = new Map<string, TimelineEvent>();
  for (const e of events) {
    const r = e.record;
    const id =
      r.kind === 'ledger' && r.state === 'verified'
        ? r.fault
        : r.kind === 'action' && r.phase === 'done'
          ? r.id
          : undefined;
    if (id !== undefined && faults.includes(id) && !found.has(id)) found.set(id, e);
  }
  return found;
}

/** The last ledger `reverted` of each of the faults the ledger knows (actions without ledger records have none). */
export function revertRecords(
  events: readonly TimelineEvent[],
  faults: readonly string[],
): { reverted: Map<string, TimelineEvent>; inLedger: Set<string> } {
  const reverted = new Map<string, TimelineEvent>();
  const inLedger = new Set<string>();
  for (const e of events) {
    const r = e.record;
    if (r.kind !== 'ledger' || !faults.includes(r.fault)) continue;
    inLedger.add(r.fault);
    if (r.state === 'reverted') reverted.set(r.fault, e);
  }
  return { reverted, inLedger };
}

function injectionNs(events: readonly TimelineEvent[], faults: readonly string[]): bigint | undefined {
  if (faults.length === 0) return undefined;
  const found = injectionRecords(events, faults);
  if (found.size < faults.length) return undefined;
  return [...found.values()].map((e) => BigInt(e.record.ns)).reduce(laterNs);
}

function revertNs(events: readonly TimelineEvent[], faults: readonly string[]): bigint | undefined {
  const { reverted, inLedger } = revertRecords(events, faults);
  if (inLedger.size === 0 || reverted.size < inLedger.size) return undefined;
  return [...reverted.values()].map((e) => BigInt(e.record.ns)).reduce(laterNs);
}
