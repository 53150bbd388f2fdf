import type { TimelineRecord } from '../../chaos/timeline/index.js';
import type { TimelineEvent } from '../verdicts/verdict.js';

/*
 * One line of text per timeline record, for the evidence the JUnit file and
 * the HTML report show next to a verdict: "L42 +12.345 s probe vm1 ok
 * bootId=...". Times are seconds since the run's start, on the monotonic
 * clock the records were stamped with, so they compare with each other and
 * with nothing else.
 */

/** The run's time origin: its `run` start record, else its earliest record. */
export function runOriginNs(events: readonly TimelineEvent[]): bigint {
  const start = events.find((e) => e.record.kind === 'run' && e.record.phase === 'start');
  if (start) return BigInt(start.record.ns);
  let min: bigint | undefined;
  for (const e of events) {
    const ns = BigInt(e.record.ns);
    if (min === undefined || ns < min) min = ns;
  }
  return min ?? 0n;
}

/** Seconds from the origin, millisecond precision: "+12.345 s". */
export function offsetLabel(ns: bigint | string, originNs: bigint): string {
  const ms = Number((BigInt(ns) - originNs) / 1_000_000n);
  const sign = ms < 0 ? '-' : '+';
  return `${sign}${(Math.abs(ms) / 1000).toFixed(3)} s`;
}

/** Seconds from the origin to the nanosecond: "+12.345678901 s" (what a probe run's bounds are given in). */
export function exactOffsetLabel(ns: bigint | string, originNs: bigint): string {
  const d = BigInt(ns) - originNs;
  const abs = d < 0n ? -d : d;
  return `${d < 0n ? '-' : '+'}${abs / 1_000_000_000n}.${(abs % 1_000_000_000n).toString().padStart(9, '0')} s`;
}

function fieldsText(fields: Record<string, unknown> | undefined): string {
  if (!fields) return '';
  const parts = Object.entries(fields).map(
    ([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`,
  );
  return parts.length ? ` ${parts.join(' ')}` : '';
}

/** What the record says, without its own time (a folded probe run says until when it lasted). */
export function describeRecord(record: TimelineRecord, originNs: bigint): string {
  switch (record.kind) {
    case 'run':
      return `run ${record.run} ${record.phase}`;
    case 'ledger':
      return `fault ${record.name} (${record.fault}) ${record.state} [${record.targets.join(', ')}]${record.detail ? `: ${record.detail}` : ''}`;
    case 'action':
      return `action ${record.action} (${record.id}) ${record.phase} [${record.targets.join(', ')}]${fieldsText(record.detail)}`;
    case 'probe': {
      const result = record.ok ? 'ok' : `failed${record.error ? ` (${record.error})` : ''}`;
      const folded =
        record.count && record.count > 1
          ? ` x${record.count}${record.lastSentNs ? ` until ${offsetLabel(record.lastSentNs, originNs)}` : ''}`
          : '';
      return `probe ${record.probe} ${result}${folded}${fieldsText(record.fields)}`;
    }
    case 'watch':
      return `${record.watcher}/${record.event} ${record.subject}${fieldsText(record.fields)}`;
    case 'step':
      return `step ${record.step}${record.name ? ` ${record.name}` : ''} ${record.phase}${record.faults?.length ? ` faults=${record.faults.join(',')}` : ''}`;
  }
}

/** "L42 +12.345 s probe vm1 ok": an evidence line as reports print it. */
export function describeEvent(event: TimelineEvent, originNs: bigint): string {
  return `L${event.line} ${offsetLabel(event.record.ns, originNs)} ${describeRecord(event.record, originNs)}`;
}

/** The records a verdict used, by timeline line; a line the events do not hold is said to be missing, not skipped. */
export function evidenceLines(
  evidence: readonly number[],
  byLine: ReadonlyMap<number, TimelineEvent>,
  originNs: bigint,
): string[] {
  return evidence.map((line) => {
    const event = byLine.get(line);
    return event ? describeEvent(event, originNs) : `L${line} (not in the timeline given to the report)`;
  });
}

export function eventsByLine(events: readonly TimelineEvent[]): Map<number, TimelineEvent> {
  return new Map(events.map((e) => [e.line, e]));
}
