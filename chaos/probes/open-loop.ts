import { setTimeout as sleep } from 'node:timers/promises';
import { LATE_NS, nowNs } from './sample.js';

export interface Tick {
  /** When this send was planned: start + k * interval. */
  plannedNs: bigint;
  /** When it actually left. */
  sentNs: bigint;
  /** Set when it left more than LATE_NS after plannedNs. */
  lateNs?: bigint;
}

/** The clock the loop reads and sleeps on; tests pass a virtual one. */
export interface LoopClock {
  now(): bigint;
  /** Resolves after `ms` or as soon as the signal aborts (never rejects). */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

const REAL_CLOCK: LoopClock = {
  now: nowNs,
  sleep: (ms, signal) => sleep(ms, undefined, { signal }).catch(() => undefined),
};

/**
 * Calls `send` once per interval on the monotonic clock, whatever the
 * earlier sends are doing (open loop): the k-th send is planned at start +
 * k * interval, so a slow wake-up never pushes the later ones back (no
 * drift). When the process could not run for longer than an interval, the
 * missed slots are skipped (sending them in a burst would put every one at
 * the wrong time) and the next send is recorded as late. Resolves when the
 * signal aborts.
 */
export async function openLoop(
  intervalNs: bigint,
  signal: AbortSignal,
  send: (tick: Tick) => void,
  clock: LoopClock = REAL_CLOCK,
): Promise<void> {
  const startNs = clock.now();
  if (intervalNs <= 0n) throw new Error(`open loop interval must be > 0 ns, not ${intervalNs}`);
  let k = 0n;
  while (!signal.aborted) {
    const plannedNs = startNs + k * intervalNs;
    const waitNs = plannedNs - clock.now();
    if (waitNs > 0n) {
      // setTimeout has 1 ms resolution; waking early by the fraction keeps sends from landing late.
      await clock.sleep(Math.floor(Number(waitNs) / 1e6), signal);
      if (signal.aborted) return;
    }
    const sentNs = clock.now();
    const late = sentNs - plannedNs;
    send(late > LATE_NS ? { plannedNs, sentNs, lateNs: late } : { plannedNs, sentNs });
    // The next slot after now: skip the ones the process slept through.
    const next = (sentNs - startNs) / intervalNs + 1n;
    k = next > k + 1n ? next : k + 1n;
  }
}
