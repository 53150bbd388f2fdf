/** Milliseconds as reports print measured values and targets: "48500 ms" (whole ms, no locale). */
export function formatMs(ms: number): string {
  return `${Math.round(ms)} ms`;
}

/** A duration for people: "850 ms", "48.5 s", "12 min 3 s". */
export function humanDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const min = Math.floor(ms / 60_000);
  return `${min} min ${Math.round((ms - min * 60_000) / 1000)} s`;
}
