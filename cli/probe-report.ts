import type { ProbeMeasurement } from '../chaos/probes/measure.js';

const ms = (ns: bigint) => Number(ns) / 1e6;
const fmt = (ns: bigint) =>
  ns >= 1_000_000_000n ? `${(ms(ns) / 1000).toFixed(3)} s` : `${ms(ns).toFixed(1)} ms`;

/** The measurement as JSON (bigint nanoseconds as decimal strings, as in the timeline). */
export function measurementJson(probe: string, m: ProbeMeasurement): Record<string, unknown> {
  return JSON.parse(
    JSON.stringify({ kind: 'probe-summary', probe, ...m }, (_k, v) =>
      typeof v === 'bigint' ? String(v) : v,
    ),
  ) as Record<string, unknown>;
}

/** What a person reads at the end of `havoc probe`. */
export function describeMeasurement(probe: string, m: ProbeMeasurement): string[] {
  const lines = [
    `${probe}: ${m.requests} requests, ${m.failed} failed, ${m.outages.length} outage(s), longest ${fmt(m.longestOutageNs)}, unavailable ${fmt(m.unavailableNs)}`,
  ];
  for (const o of m.outages) {
    const end = o.endNs === undefined ? 'still down at the end' : `${fmt(o.durationNs)}`;
    lines.push(`  outage: ${end}, ${o.failed} failed request(s): ${o.error}`);
  }
  for (const c of m.bootIdChanges) lines.push(`  restart: boot id ${c.from} -> ${c.to}`);
  for (const o of m.bootIdOverlaps)
    lines.push(`  RUNNING TWICE: boot id ${o.older} answered after ${o.newer} had`);
  for (const d of m.counterDecreases)
    lines.push(`  LOST WRITES: disk counter went back from ${d.from} to ${d.to}`);
  if (m.lateSends)
    lines.push(`  ${m.lateSends} send(s) left late (latest by ${fmt(m.maxLateNs)}): the prober was busy`);
  return lines;
}

/** A verdict needs answers: a run with no successful request at all is an outage too. */
export function sawOutage(m: ProbeMeasurement): boolean {
  return m.failed > 0 || m.requests === 0;
}
