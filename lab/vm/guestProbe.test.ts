import { describe, expect, it } from 'vitest';
import { type ProbeSample, summarizeProbes } from './guestProbe.js';

const A = '11111111-2222-3333-4444-555555555555';
const B = '66666666-7777-8888-9999-000000000000';
const ok = (atMs: number, counter: number, bootId = A): ProbeSample => ({
  atMs,
  ok: true,
  status: { bootId, counter },
});
const fail = (atMs: number): ProbeSample => ({ atMs, ok: false, error: 'connect EHOSTUNREACH' });

describe('probe history verdicts (synthetic histories)', () => {
  it('measures the longest gap between answers across a migration', () => {
    const summary = summarizeProbes([ok(0, 1), ok(20, 1), fail(40), fail(540), ok(560, 7), ok(580, 7)]);
    expect(summary).toMatchObject({
      samples: 6,
      failures: 2,
      longestGapMs: 540,
      bootIds: [A],
      firstCounter: 1,
      lastCounter: 7,
    });
    expect(summary.counterDecreases).toEqual([]);
  });

  it('reports a reboot and a counter that went backwards', () => {
    const summary = summarizeProbes([ok(0, 50), ok(20, 51), ok(5000, 49, B)]);
    expect(summary.bootIds).toEqual([A, B]);
    expect(summary.counterDecreases).toEqual([{ from: 51, to: 49, atMs: 5000 }]);
  });

  it('has no gap and no counter for a history without answers', () => {
    expect(summarizeProbes([fail(0), fail(20)])).toMatchObject({
      longestGapMs: 0,
      lastCounter: undefined,
      lastError: 'connect EHOSTUNREACH',
    });
  });
});
