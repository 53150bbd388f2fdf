/**
 * What the lab guest reports, in the two places it reports it: the HTTP body
 * on port 80 and the record in the first sector of its disk. A wire format of
 * its own (below lab/, which serves it, and chaos/probes, which reads it from
 * any VM that serves it). The shell side of both formats is in
 * lab/guest/initScript.ts; keep them in step.
 */

export const GUEST_HTTP_PORT = 80;
export const GUEST_ECHO_PORT = 7;
export const COUNTER_MAGIC = 'havoc-counter';

export interface GuestStatus {
  bootId: string;
  counter: number;
}

const BOOT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Parses `boot_id=<uuid> counter=<n>`; returns an error message instead of throwing, for probes. */
export function parseGuestStatus(body: string): GuestStatus | { error: string } {
  const fields = new Map<string, string>();
  for (const pair of body.trim().split(/\s+/)) {
    const eq = pair.indexOf('=');
    if (eq > 0) fields.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  const bootId = fields.get('boot_id') ?? '';
  const counter = Number(fields.get('counter'));
  if (!BOOT_ID.test(bootId))
    return { error: `guest status has no valid boot_id: ${JSON.stringify(body.slice(0, 120))}` };
  if (!Number.isSafeInteger(counter) || counter < 0) {
    return { error: `guest status has no valid counter: ${JSON.stringify(body.slice(0, 120))}` };
  }
  return { bootId, counter };
}

/**
 * Reads the counter record (`havoc-counter <n> <boot id>\n`, zero padded) from
 * the first sector of a guest disk; undefined for a disk the guest never wrote.
 */
export function readCounterRecord(sector: Uint8Array): { counter: number; bootId: string } | undefined {
  const text = Buffer.from(sector).toString('latin1');
  const end = text.indexOf('\n');
  if (end < 0) return undefined;
  const line = text.slice(0, end);
  const match = /^havoc-counter (\d+) (\S+)$/.exec(line);
  if (!match) return undefined;
  return { counter: Number(match[1]), bootId: match[2]! };
}
