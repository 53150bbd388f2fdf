import { HavocError } from './errors.js';

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/** "500ms", "5s", "2m", "1h" (or a bare number of seconds) in milliseconds; `what` names the option in errors. */
export function parseDuration(text: string, what: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  const ms = m ? Number(m[1]) * UNITS[m[2] ?? 's']! : Number.NaN;
  if (!(ms > 0) || !Number.isFinite(ms)) {
    throw new HavocError('usage', `${what} takes a duration such as 500ms, 5s, 2m or 1h, not "${text}"`);
  }
  return Math.round(ms);
}
