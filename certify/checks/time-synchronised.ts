import type { EveryHostCheck } from '../check.js';

/** Beyond this, logs and fence histories of different nodes cannot be put in one order. */
export const MAX_CLOCK_OFFSET_MS = 500;

export const timeSynchronised: EveryHostCheck = {
  kind: 'every-host',
  id: 'time.synchronised',
  title: `every node's clock within ${MAX_CLOCK_OFFSET_MS} ms of this station's`,
  severity: 'warning',
  why: 'a fence or a failover is investigated across the logs of several nodes; with clocks apart the order of events is wrong, and certificates and Kerberos fail outright',
  remediation:
    'run chrony (or systemd-timesyncd) against the same NTP servers on every node and on the station',
  facts: ['clock'],
  judge(f) {
    // The offset is known only to within half a round trip: count against the host only what is certain.
    const certain = Math.max(0, Math.abs(f.clock.offsetMs) - f.clock.uncertaintyMs);
    return {
      ok: certain <= MAX_CLOCK_OFFSET_MS,
      detail: `offset ${f.clock.offsetMs.toFixed(1)} ms (±${f.clock.uncertaintyMs.toFixed(1)} ms)`,
    };
  },
};
