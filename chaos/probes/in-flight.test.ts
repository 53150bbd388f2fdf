import { describe, expect, it } from 'vitest';
import { InFlight, type QueueTimer } from './in-flight.js';
import type { PendingExchange } from './socket-exchange.js';

const MS = 1_000_000n;

/** A virtual timer: `run()` advances the clock to the armed time and fires it. */
function virtualTimer() {
  let now = 1_000n * MS;
  let armed: { fn: () => void; atNs: bigint } | undefined;
  let sets = 0;
  const timer: QueueTimer = {
    now: () => now,
    set: (fn, ms) => {
      sets++;
      armed = { fn, atNs: now + BigInt(ms) * MS };
      return armed;
    },
    clear: (h) => {
      if (armed === h) armed = undefined;
    },
  };
  return {
    timer,
    armedAtMs: () => (armed ? Number((armed.atNs - 1_000n * MS) / MS) : undefined),
    sets: () => sets,
    advance: (ms: number) => (now += BigInt(ms) * MS),
    run: () => {
      const a = armed!;
      armed = undefined;
      now = a.atNs;
      a.fn();
    },
  };
}

/** A request that records what the queue did to it; `answer()` settles it as its socket would. */
function request(t: ReturnType<typeof virtualTimer>, timeoutMs: number) {
  const log: string[] = [];
  const p: Omit<PendingExchange, 'settled'> & { settled: boolean; answer(): void; log: string[] } = {
    deadlineNs: t.timer.now() + BigInt(timeoutMs) * MS,
    settled: false,
    expire() {
      log.push('expired');
      this.settled = true;
    },
    cancel() {
      log.push('cancelled');
      this.settled = true;
    },
    answer() {
      this.settled = true;
    },
    log,
  };
  return p;
}

describe('InFlight: one timer for every request in flight', () => {
  it('expires a request only once its deadline has passed, and never one that was answered', () => {
    const t = virtualTimer();
    const q = new InFlight(t.timer);
    const answered = request(t, 500);
    q.add(answered, 500);
    t.advance(10);
    const hanging = request(t, 500);
    q.add(hanging, 500);
    answered.answer();
    // Armed for the first deadline; it finds that one answered and re-arms for the next.
    expect(t.armedAtMs()).toBe(500);
    t.run();
    expect(answered.log).toEqual([]);
    expect(hanging.log).toEqual([]);
    expect(t.armedAtMs()).toBe(510);
    t.run();
    expect(hanging.log).toEqual(['expired']);
    expect(t.armedAtMs()).toBeUndefined();
  });

  it('keeps one queue per timeout length, so a short timeout sent later expires first', () => {
    const t = virtualTimer();
    const q = new InFlight(t.timer);
    const long = request(t, 500);
    q.add(long, 500);
    t.advance(10);
    const short = request(t, 100);
    q.add(short, 100);
    expect(t.armedAtMs()).toBe(110);
    t.run();
    expect(short.log).toEqual(['expired']);
    expect(long.log).toEqual([]);
    expect(t.armedAtMs()).toBe(500);
    t.run();
    expect(long.log).toEqual(['expired']);
  });

  it('arms the timer a few times, not once per request, while every request is answered', () => {
    const t = virtualTimer();
    const q = new InFlight(t.timer);
    // 8 targets x 100 Hz for 2 s, each answered 1 ms after it left, the timer run whenever it is due.
    let inFlight: ReturnType<typeof request>[] = [];
    for (let tick = 0; tick < 200; tick++) {
      for (const p of inFlight) p.answer();
      inFlight = Array.from({ length: 8 }, () => request(t, 500));
      for (const p of inFlight) q.add(p, 500);
      for (let ms = 0; ms < 10; ms++) {
        t.advance(1);
        const due = t.armedAtMs();
        if (due !== undefined && due <= 10 * tick + ms + 1) t.run();
      }
    }
    console.log(`InFlight: ${t.sets()} timer arms for 1600 requests`);
    expect(t.sets()).toBeLessThan(1600 / 8);
  });

  it('cancels every request still in flight, and only those', () => {
    const t = virtualTimer();
    const q = new InFlight(t.timer);
    const a = request(t, 500);
    const b = request(t, 300);
    const c = request(t, 500);
    for (const [p, ms] of [
      [a, 500],
      [b, 300],
      [c, 500],
    ] as const)
      q.add(p, ms);
    a.answer();
    q.cancelAll();
    expect([a.log, b.log, c.log]).toEqual([[], ['cancelled'], ['cancelled']]);
    expect(t.armedAtMs()).toBeUndefined();
  });
});
