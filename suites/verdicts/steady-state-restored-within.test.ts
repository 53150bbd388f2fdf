import { describe, expect, it } from 'vitest';
import { TimelineBuilder } from '../../test/support/timeline-builder.js';
import { steadyStateRestoredWithin } from './steady-state-restored-within.js';

const step = (s: { revertedMs?: number; steadyMs?: number; endMs?: number }) =>
  new TimelineBuilder().faultStep({
    name: 'link-down',
    targets: ['host1'],
    startMs: 0,
    verifiedMs: 100,
    ...s,
  });

describe('steadyStateRestoredWithin', () => {
  it('passes from the verified revert to the step steady mark', () => {
    const t = step({ revertedMs: 10_000, steadyMs: 25_000 });
    const v = steadyStateRestoredWithin(t.events(), t.window(), { targetMs: 60_000 });
    expect(v).toMatchObject({ status: 'pass', measuredMs: 15_000, subject: 'steady state' });
    expect(v.evidence).toEqual([
      t.lineOf((r) => r.kind === 'ledger' && r.state === 'reverted'),
      t.lineOf((r) => r.kind === 'step' && r.phase === 'steady'),
    ]);
  });

  it('fails over the target', () => {
    const t = step({ revertedMs: 10_000, steadyMs: 90_000 });
    expect(steadyStateRestoredWithin(t.events(), t.window(), { targetMs: 60_000 })).toMatchObject({
      status: 'fail',
      measuredMs: 80_000,
    });
  });

  it('fails a steady state that never came back in a step that ran past the target', () => {
    const t = step({ revertedMs: 10_000, endMs: 100_000 });
    const v = steadyStateRestoredWithin(t.events(), t.window(), { targetMs: 60_000 });
    expect(v.status).toBe('fail');
    expect(v.reason).toBe(
      'the steady state did not hold again by the end of the step, 90.000 s after the revert',
    );
  });

  describe('inconclusive', () => {
    it('when the revert was never verified', () => {
      const t = step({ endMs: 100_000 });
      expect(steadyStateRestoredWithin(t.events(), t.window(), { targetMs: 60_000 })).toMatchObject({
        status: 'inconclusive',
        reason: 'step 1.1: the revert of f1 was never verified',
      });
    });

    it('when the step has no ledger fault (an action) to revert', () => {
      const t = new TimelineBuilder().actionStep({
        action: 'live-migrate',
        targets: ['vm1'],
        startMs: 0,
        doneMs: 10,
        steadyMs: 20,
      });
      expect(steadyStateRestoredWithin(t.events(), t.window(), { targetMs: 60_000 }).reason).toContain(
        'no fault in the ledger',
      );
    });

    it('when the step ended before the target without the steady state', () => {
      const t = step({ revertedMs: 10_000, endMs: 20_000 });
      expect(steadyStateRestoredWithin(t.events(), t.window(), { targetMs: 60_000 }).status).toBe(
        'inconclusive',
      );
    });
  });
});
