import type { Verdict } from '../verdicts/verdict.js';

/** Milliseconds as reports print measured values and targets: "48500 ms" (whole ms, no locale). */
export function formatMs(ms: number): string {
  return `${Math.round(ms)} ms`;
}

/** A duration for people: "850 ms", "48.5 s", "12 min 3 s". */
export function humanDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const totalS = Math.round(ms / 1000);
  return `${Math.floor(totalS / 60)} min ${totalS % 60} s`;
}

/** A duration to the nanosecond, in ms: "40 ms", "40.0125 ms"; from a second on also for people: "12.30 s = 12300.5 ms". */
export function exactDuration(ns: bigint): string {
  const whole = ns / 1_000_000n;
  const frac = (ns % 1_000_000n).toString().padStart(6, '0').replace(/0+$/, '');
  const ms = `${whole}${frac ? `.${frac}` : ''} ms`;
  return ns < 1_000_000_000n ? ms : `${humanDuration(Number(ns) / 1e6)} = ${ms}`;
}

/** "measured 48500 ms > target 30000 ms: <reason>", or the reason alone when nothing was measured. */
export function verdictMessage(v: Verdict): string {
  if (v.measuredMs !== undefined && v.targetMs !== undefined) {
    const rel = v.measuredMs > v.targetMs ? '>' : '<=';
    return `measured ${formatMs(v.measuredMs)} ${rel} target ${formatMs(v.targetMs)}: ${v.reason}`;
  }
  if (v.measuredMs !== undefined) return `measured ${formatMs(v.measuredMs)}: ${v.reason}`;
  return v.reason;
}
