import { describe, expect, it } from 'vitest';
import type { StepResult } from './result.js';
import { measuredStats, nearestRank } from './stats.js';
import type { Verdict } from './verdicts/verdict.js';

function step(name: string, verdicts: Partial<Verdict>[], repeat: number): StepResult {
  return {
    step: `${repeat}.1`,
    name,
    fault: 'host-power-off',
    params: {},
    targets: ['host1'],
    selections: {},
    startWall: '2026-12-01T12:00:00.000Z',
    startNs: '1',
    endNs: '2',
    durationMs: 1,
    verdicts: verdicts.map((v) => ({
      expectation: 'restartedWithin',
      subject: 'vm1',
      status: 'pass',
      reason: 'r',
      evidence: [1],
      ...v,
    })),
  };
}

describe('nearestRank', () => {
  it('picks the value at rank ceil(p/100 * N)', () => {
    const ten = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(nearestRank(ten, 50)).toBe(5);
    expect(nearestRank(ten, 95)).toBe(10);
    expect(nearestRank(ten, 10)).toBe(1);
    expect(
      nearestRank(
        [...Array(20).keys()].map((i) => i + 1),
        95,
      ),
    ).toBe(19);
    expect(nearestRank([7], 50)).toBe(7);
  });
});

describe('measuredStats', () => {
  it('groups the repeats of a step by expectation and subject, counting every status', () => {
    const steps = [
      step('power off host1', [{ measuredMs: 30_000, targetMs: 60_000 }, { expectation: 'noDataLoss' }], 1),
      step('power off host1', [{ measuredMs: 10_000, targetMs: 60_000 }], 2),
      step('power off host1', [{ measuredMs: 70_000, targetMs: 60_000, status: 'fail' }], 3),
      step('power off host1', [{ status: 'inconclusive', targetMs: 60_000 }], 4),
    ];
    expect(measuredStats(steps)).toEqual([
      {
        stepName: 'power off host1',
        expectation: 'restartedWithin',
        subject: 'vm1',
        count: 3,
        p50Ms: 30_000,
        p95Ms: 70_000,
        maxMs: 70_000,
        targetMs: 60_000,
        statuses: { pass: 2, fail: 1, inconclusive: 1 },
      },
    ]);
  });

  it('keeps steps of different names apart and leaves out a target that differed between repeats', () => {
    const stats = measuredStats([
      step('a', [{ measuredMs: 1, targetMs: 10 }], 1),
      step('a', [{ measuredMs: 2, targetMs: 20 }], 2),
      step('b', [{ measuredMs: 3 }], 1),
    ]);
    expect(stats.map((s) => [s.stepName, s.count, s.targetMs])).toEqual([
      ['a', 2, undefined],
      ['b', 1, undefined],
    ]);
  });
});
