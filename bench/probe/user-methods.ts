import { spawn } from 'node:child_process';
import { fetchGuestStatus } from '../../lab/vm/guestProbe.js';

/*
 * How people measure an outage today, for the probe benchmarks (run.ts: a
 * timed drop; migration.ts: a live migration): `ping -i 0.2` and an HTTP
 * poller every 200 ms (the method of OpenStack Tempest's NetDowntimeMeter).
 */

/** `ping -i 0.2` until stopped; outage = lost replies x 0.2 s. */
export function pingUser(address: string): { stop(): Promise<{ transmitted: number; received: number }> } {
  const child = spawn('ping', ['-n', '-i', '0.2', address], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  const done = new Promise<void>((resolve) => child.on('close', () => resolve()));
  return {
    stop: async () => {
      child.kill('SIGINT');
      await done;
      const m = /(\d+) packets transmitted, (\d+) received/.exec(out);
      if (!m) throw new Error(`ping printed no statistics: ${out.slice(-300)}`);
      return { transmitted: Number(m[1]), received: Number(m[2]) };
    },
  };
}

/** GET every 200 ms on a timer, each with its own 1 s deadline; downtime = failed polls x 200 ms. */
export function poller200(url: string): {
  /** Polls settled so far and how many failed (a steady-state control window reads it twice). */
  counts(): { polls: number; failed: number };
  stop(): Promise<{ polls: number; failed: number }>;
} {
  let polls = 0;
  let failed = 0;
  const pending = new Set<Promise<void>>();
  const timer = setInterval(() => {
    polls++;
    const p: Promise<void> = fetchGuestStatus(url, { timeoutMs: 1_000 })
      .then(
        () => undefined,
        () => {
          failed++;
        },
      )
      .finally(() => pending.delete(p));
    pending.add(p);
  }, 200);
  return {
    counts: () => ({ polls: polls - pending.size, failed }),
    stop: async () => {
      clearInterval(timer);
      await Promise.all(pending);
      return { polls, failed };
    },
  };
}
