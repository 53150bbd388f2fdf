import { HavocError } from '../core/errors.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/** "10ms", "1.5s", "2m", "1h" (a bare number is milliseconds) as milliseconds; a usage error names the option. */
export function parseDurationMs(text: string, option: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  const ms = match ? Number(match[1]) * UNIT_MS[match[2] ?? 'ms']! : Number.NaN;
  if (!(ms > 0)) {
    throw new HavocError('usage', `${option} takes a duration like 10ms, 30s or 2m, not "${text}"`);
  }
  return ms;
}
