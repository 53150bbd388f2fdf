import { describe, expect, it } from 'vitest';
import {
  bootIdChangesOf,
  bootIdOverlapsOf,
  counterDecreasesOf,
  measureProbe,
  outagesOf,
  probeRunsOf,
} from './measure.js';
import type { ProbeSample } from './sample.js';

const MS = 1_000_000n;
const A = '11111111-1111-4111-8111-111111111111';
const B = '22222222-2222-4222-8222-222222222222';

/** A sample sent at `sentMs`, answered 1 ms later when ok (or never). */
function s(sentMs: number, ok: boolean, fields?: ProbeSample['fields'], answerMs = 1): ProbeSample {
  const sent = BigInt(sentMs) * MS;
  return {
    kind: 'probe',
    probe: 'vm1',
    sentNs: String(sent),
    ok,
    ...(ok ? { answeredNs: String(sent + BigInt(answerMs) * MS) } : { error: 'timed out' }),
    ...(fields ? { fields } : {}),
  };
}

/** Every 10 ms from `fromMs` to `toMs` (exclusive). */
function every10(fromMs: number, toMs: number, ok: boolean, fields?: ProbeSample['fields']) {
  const out: ProbeSample[] = [];
  for (let t = fromMs; t < toMs; t += 10) out.push(s(t, ok, fields));
  return out;
}

describe('outagesOf', () => {
  it('measures a run of failures from its first failed send to the next successful send', () => {
    const history = [...every10(0, 100, true), ...every10(100, 400, false), ...every10(400, 500, true)];
    const [outage, ...rest] = outagesOf(history);
    expect(rest).toEqual([]);
    expect(outage).toMatchObject({ startNs: 100n * MS, endNs: 400n * MS, durationNs: 300n * MS, failed: 30 });
  });

  it('orders by send time, not by the order samples settled in (failures settle at their timeout)', () => {
    const history = [...every10(0, 50, true), ...every10(60, 100, true), s(50, false)];
    expect(outagesOf(history)).toMatchObject([{ startNs: 50n * MS, endNs: 60n * MS, failed: 1 }]);
  });

  it('keeps an outage that never ended open, up to the last failed send', () => {
    const [outage] = outagesOf([...every10(0, 30, true), ...every10(30, 100, false)]);
    expect(outage!.endNs).toBeUndefined();
    expect(outage!.durationNs).toBe(60n * MS);
  });

  it('sees no outage in a history without failures', () => {
    expect(outagesOf(every10(0, 1000, true))).toEqual([]);
  });
});

describe('measureProbe', () => {
  it('sums the unavailable time and picks the longest outage', () => {
    const history = [
      ...every10(0, 100, true),
      ...every10(100, 200, false),
      ...every10(200, 300, true),
      ...every10(300, 600, false),
      ...every10(600, 700, true),
    ];
    const m = measureProbe(history);
    expect(m.requests).toBe(70);
    expect(m.failed).toBe(40);
    expect(m.outages).toHaveLength(2);
    expect(m.longestOutageNs).toBe(300n * MS);
    expect(m.unavailableNs).toBe(400n * MS);
    expect(m.firstSentNs).toBe(0n);
    expect(m.lastSentNs).toBe(690n * MS);
  });

  it('counts late sends and the latest one', () => {
    const history = [
      s(0, true, { lateNs: String(3n * MS) }),
      s(10, true),
      s(20, true, { lateNs: String(12n * MS) }),
    ];
    const m = measureProbe(history);
    expect(m.lateSends).toBe(2);
    expect(m.maxLateNs).toBe(12n * MS);
  });
});

describe('boot ids', () => {
  it('reports a restart as one boot id change at the first answer of the new one', () => {
    const history = [
      ...every10(0, 100, true, { bootId: A }),
      ...every10(100, 300, false),
      ...every10(300, 400, true, { bootId: B }),
    ];
    expect(bootIdChangesOf(history)).toEqual([{ from: A, to: B, atNs: 300n * MS }]);
    expect(bootIdOverlapsOf(history)).toEqual([]);
  });

  it('reports the VM running twice when the old boot id answers after the new one did', () => {
    const history = [
      s(0, true, { bootId: A }),
      s(10, true, { bootId: B }),
      s(20, true, { bootId: A }),
      s(30, true, { bootId: B }),
      s(40, true, { bootId: A }),
    ];
    expect(bootIdOverlapsOf(history)).toEqual([
      { older: A, newer: B, newerSinceNs: 11n * MS, olderAgainNs: 20n * MS },
    ]);
  });

  it('does not call two concurrent requests an overlap (neither was sent after the other was answered)', () => {
    // The old instance answers a request sent at 10 ms only at 40 ms, after the new one answered one sent at 12 ms.
    const history = [s(0, true, { bootId: A }), s(10, true, { bootId: A }, 30), s(12, true, { bootId: B })];
    expect(bootIdOverlapsOf(history)).toEqual([]);
  });
});

describe('counterDecreasesOf', () => {
  it('reports the disk counter going backwards once per loss', () => {
    const history = [
      s(0, true, { counter: 5 }),
      s(10, true, { counter: 6 }),
      s(20, true, { counter: 7 }),
      s(30, true, { counter: 3 }),
      s(40, true, { counter: 4 }),
      s(50, true, { counter: 5 }),
    ];
    expect(counterDecreasesOf(history)).toEqual([{ from: 7, to: 3, atNs: 30n * MS }]);
  });

  it('ignores a lower counter on a request sent before the higher one was answered', () => {
    const history = [
      s(0, true, { counter: 5 }),
      s(10, true, { counter: 6 }, 20),
      s(15, true, { counter: 5 }),
    ];
    expect(counterDecreasesOf(history)).toEqual([]);
  });

  it('sees nothing in a steadily counting history', () => {
    expect(counterDecreasesOf(every10(0, 500, true, { counter: 9 }))).toEqual([]);
  });
});

describe('folded samples (the timeline may fold a run of equal results into one record)', () => {
  /** One record for the requests sent every 10 ms from `fromMs` to `toMs` (exclusive). */
  function fold(fromMs: number, toMs: number, ok: boolean, fields?: ProbeSample['fields']): ProbeSample {
    const count = (toMs - fromMs) / 10;
    return { ...s(fromMs, ok, fields), count, lastSentNs: String(BigInt(toMs - 10) * MS) };
  }

  it('counts every request a fold stands for and measures an outage from its first to the next answer', () => {
    const folded = [fold(0, 100, true), fold(100, 400, false), fold(400, 500, true)];
    const plain = [...every10(0, 100, true), ...every10(100, 400, false), ...every10(400, 500, true)];
    const m = measureProbe(folded);
    expect(m).toMatchObject({ requests: 50, failed: 30, longestOutageNs: 300n * MS, lastSentNs: 490n * MS });
    expect(outagesOf(folded)).toEqual(outagesOf(plain));
  });

  it('keeps an outage still open at the end up to the last send of the fold', () => {
    const [outage] = outagesOf([fold(0, 30, true), fold(30, 100, false)]);
    expect(outage).toMatchObject({ startNs: 30n * MS, durationNs: 60n * MS, failed: 7 });
    expect(outage!.endNs).toBeUndefined();
  });

  it('sees an older boot id answering at the end of its fold, after a newer one answered', () => {
    // A answers every request from 0 to 90 ms (one record); B answered a request sent at 20 ms by 21 ms.
    const history = [fold(0, 100, true, { bootId: A }), s(20, true, { bootId: B })];
    expect(bootIdOverlapsOf(history)).toEqual([
      { older: A, newer: B, newerSinceNs: 21n * MS, olderAgainNs: 90n * MS },
    ]);
  });

  it('sees a lower counter at the end of its fold, after a higher one was answered', () => {
    const history = [fold(0, 100, true, { counter: 5 }), s(20, true, { counter: 7 })];
    expect(counterDecreasesOf(history)).toEqual([{ from: 7, to: 5, atNs: 90n * MS }]);
  });

  it('finds nothing in a fold followed by a higher counter', () => {
    expect(
      counterDecreasesOf([fold(0, 100, true, { counter: 5 }), fold(100, 200, true, { counter: 6 })]),
    ).toEqual([]);
  });
});

describe("probeRunsOf (the one fold of a probe history: outages and the report's probe lanes)", () => {
  it('starts a run at every change of result and of boot id, each at the send that showed it', () => {
    const refused = { ...s(40, false), error: 'ECONNREFUSED' };
    const history = [
      ...every10(0, 30, true, { bootId: A, counter: 1 }),
      s(30, true, { bootId: A, counter: 2 }),
      refused,
      ...every10(50, 70, false),
      ...every10(70, 90, true, { bootId: B, counter: 2 }),
      s(90, true),
      ...every10(100, 120, true, { bootId: A, counter: 3 }),
    ];
    const runs = probeRunsOf(history).map(({ first: _f, last: _l, ...r }) => r);
    expect(runs).toEqual([
      {
        ok: true,
        fromNs: 0n,
        lastSentNs: 30n * MS,
        untilNs: 40n * MS,
        requests: 4,
        errors: [],
        bootId: A,
        counterFirst: 1,
        counterLast: 2,
      },
      {
        ok: false,
        fromNs: 40n * MS,
        lastSentNs: 60n * MS,
        untilNs: 70n * MS,
        requests: 3,
        errors: [
          { error: 'ECONNREFUSED', count: 1 },
          { error: 'timed out', count: 2 },
        ],
      },
      // An answer without a boot id stays in the run of the boot id before it.
      {
        ok: true,
        fromNs: 70n * MS,
        lastSentNs: 90n * MS,
        untilNs: 100n * MS,
        requests: 3,
        errors: [],
        bootId: B,
        counterFirst: 2,
        counterLast: 2,
      },
      {
        ok: true,
        fromNs: 100n * MS,
        lastSentNs: 110n * MS,
        requests: 2,
        errors: [],
        bootId: A,
        counterFirst: 3,
        counterLast: 3,
      },
    ]);
    expect(outagesOf(history)).toEqual([
      { startNs: 40n * MS, endNs: 70n * MS, durationNs: 30n * MS, failed: 3, error: 'ECONNREFUSED' },
    ]);
  });

  it('counts a folded sample as its requests, sent in order whatever order they were written in', () => {
    const fold: ProbeSample = { ...s(100, false), count: 5, lastSentNs: String(140n * MS) };
    const runs = probeRunsOf([s(150, true), fold, s(90, true)]);
    expect(runs.map((r) => [r.ok, r.fromNs, r.lastSentNs, r.untilNs, r.requests])).toEqual([
      [true, 90n * MS, 90n * MS, 100n * MS, 1],
      [false, 100n * MS, 140n * MS, 150n * MS, 5],
      [true, 150n * MS, 150n * MS, undefined, 1],
    ]);
    expect(probeRunsOf([])).toEqual([]);
  });
});
