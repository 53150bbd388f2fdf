import { nowNs } from './sample.js';
import type { PendingExchange } from './socket-exchange.js';

/** The timer the queue arms; tests pass a virtual one. */
export interface QueueTimer {
  now(): bigint;
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const REAL_TIMER: QueueTimer = {
  now: nowNs,
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (h) => clearTimeout(h as NodeJS.Timeout),
};

/**
 * The requests in flight of a probe loop, timed out by one timer for all of
 * them (a timer per request was a measurable part of the prober's CPU at 8
 * targets x 100 Hz). Requests of one timeout length expire in the order they
 * were sent, so each length has a queue whose head is its earliest deadline;
 * settled requests leave their queue when they reach its head. The timer is
 * armed for the earliest unsettled head and usually finds it answered, so it
 * fires a few times a second, not once per request.
 */
export class InFlight {
  /** One queue per timeout length (few: one per timeout in the spec), each in send order. */
  private readonly lengths: number[] = [];
  private readonly queues: PendingExchange[][] = [];
  private readonly heads: number[] = [];
  private timer: unknown;
  private armedNs: bigint | undefined;

  constructor(private readonly clock: QueueTimer = REAL_TIMER) {}

  /** Tracks a request just started with this timeout. */
  add(p: PendingExchange, timeoutMs: number): void {
    let i = this.lengths.indexOf(timeoutMs);
    if (i < 0) {
      i = this.lengths.push(timeoutMs) - 1;
      this.queues.push([]);
      this.heads.push(0);
    }
    this.queues[i]!.push(p);
    if (this.armedNs === undefined || p.deadlineNs < this.armedNs) this.arm(p.deadlineNs);
  }

  /** Cancels every request still in flight (each settles as stopped). */
  cancelAll(): void {
    for (const [i, q] of this.queues.entries())
      for (let j = this.heads[i]!; j < q.length; j++) if (!q[j]!.settled) q[j]!.cancel();
    this.sweep();
  }

  private arm(atNs: bigint): void {
    if (this.timer !== undefined) this.clock.clear(this.timer);
    this.armedNs = atNs;
    const ms = Math.max(0, Math.ceil(Number(atNs - this.clock.now()) / 1e6));
    this.timer = this.clock.set(() => this.fire(), ms);
  }

  private fire(): void {
    this.timer = undefined;
    this.armedNs = undefined;
    this.sweep();
  }

  /** Expires what is due, drops what settled, and arms the timer for the earliest deadline left. */
  private sweep(): void {
    const now = this.clock.now();
    let next: bigint | undefined;
    for (const [i, q] of this.queues.entries()) {
      let h = this.heads[i]!;
      while (h < q.length) {
        const p = q[h]!;
        if (!p.settled) {
          if (p.deadlineNs > now) break;
          p.expire();
        }
        h++;
      }
      // Compact now and then, not on every head move.
      if (h > 1024 && h * 2 > q.length) {
        q.splice(0, h);
        h = 0;
      }
      this.heads[i] = h;
      if (h < q.length && (next === undefined || q[h]!.deadlineNs < next)) next = q[h]!.deadlineNs;
    }
    if (next !== undefined) this.arm(next);
    else if (this.timer !== undefined) {
      this.clock.clear(this.timer);
      this.timer = undefined;
      this.armedNs = undefined;
    }
  }
}
