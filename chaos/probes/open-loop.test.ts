import { describe, expect, it } from 'vitest';
import { type LoopClock, openLoop, type Tick } from './open-loop.js';

const MS = 1_000_000n;

/** A virtual clock: sleeping advances it by what was asked plus `oversleepMs(call)`. */
function virtualClock(oversleepMs: (call: number) => number = () => 0) {
  let now = 1_000n * MS;
  let calls = 0;
  const clock: LoopClock = {
    now: () => now,
    sleep: async (ms) => {
      now += BigInt(ms + oversleepMs(calls++)) * MS;
    },
  };
  return { clock, advance: (ms: number) => (now += BigInt(ms) * MS) };
}

async function run(clock: LoopClock, ticks: number, onTick: (t: Tick) => void = () => {}): Promise<Tick[]> {
  const seen: Tick[] = [];
  const stop = new AbortController();
  await openLoop(
    10n * MS,
    stop.signal,
    (t) => {
      seen.push(t);
      onTick(t);
      if (seen.length === ticks) stop.abort();
    },
    clock,
  );
  return seen;
}

describe('openLoop', () => {
  it('plans send k at start + k * interval, whatever the sends cost', async () => {
    const { clock, advance } = virtualClock();
    const ticks = await run(clock, 5, () => advance(3));
    expect(ticks.map((t) => Number((t.plannedNs - ticks[0]!.plannedNs) / MS))).toEqual([0, 10, 20, 30, 40]);
    expect(ticks.every((t) => t.lateNs === undefined)).toBe(true);
  });

  it('does not drift when wake-ups are late: a late send is recorded and the next one is on plan', async () => {
    const { clock } = virtualClock((call) => (call === 1 ? 4 : 0));
    const ticks = await run(clock, 4);
    expect(ticks[2]!.lateNs).toBe(4n * MS);
    expect(ticks[3]!.plannedNs - ticks[0]!.plannedNs).toBe(30n * MS);
    expect(ticks[3]!.lateNs).toBeUndefined();
  });

  it('skips the slots a stalled process slept through instead of sending them in a burst', async () => {
    const { clock, advance } = virtualClock();
    let n = 0;
    const ticks = await run(clock, 4, () => {
      if (n++ === 1) advance(35);
    });
    expect(ticks.map((t) => Number((t.plannedNs - ticks[0]!.plannedNs) / MS))).toEqual([0, 10, 20, 50]);
    expect(ticks[2]!.lateNs).toBe(25n * MS);
    expect(ticks[3]!.lateNs).toBeUndefined();
  });

  it('refuses an interval that is not positive', async () => {
    await expect(openLoop(0n, new AbortController().signal, () => {})).rejects.toThrow(
      /interval must be > 0/,
    );
  });
});
