import { HavocError } from '../../core/errors.js';

export interface PingSummary {
  transmitted: number;
  received: number;
  /** Round-trip times in ms, when at least one reply came back. */
  rtt?: { min: number; avg: number; max: number };
}

/**
 * The summary iputils `ping -q` prints at its end ("200 packets transmitted,
 * 143 received, 28.5% packet loss, time 3512ms" and, with a reply, "rtt
 * min/avg/max/mdev = ..."). The counts are used, not ping's rounded
 * percentage; duplicates and errors (", +3 errors") do not change them.
 */
export function parsePingSummary(text: string): PingSummary {
  const m = /^(\d+) packets transmitted, (\d+) received/m.exec(text);
  if (!m)
    throw new HavocError(
      'observation',
      `ping printed no summary: ${text.trim().slice(0, 200) || '(nothing)'}`,
    );
  const r = /^(?:rtt|round-trip) min\/avg\/max(?:\/mdev)? = ([\d.]+)\/([\d.]+)\/([\d.]+)/m.exec(text);
  return {
    transmitted: Number(m[1]),
    received: Number(m[2]),
    ...(r ? { rtt: { min: Number(r[1]), avg: Number(r[2]), max: Number(r[3]) } } : {}),
  };
}
