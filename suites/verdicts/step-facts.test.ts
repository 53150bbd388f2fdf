import { describe, expect, it } from 'vitest';
import { TimelineBuilder } from '../../test/support/timeline-builder.js';
import { stepInjection } from './step-facts.js';

const verdictOf = (t: TimelineBuilder) => {
  const r = stepInjection(t.events(), t.window(), 'notFenced', 'host1');
  if (!('verdict' in r)) throw new Error('expected no injection');
  return r.verdict;
};

describe('stepInjection', () => {
  it('is the latest verified of the step, from the first record of its faults', () => {
    const t = new TimelineBuilder().faultStep({
      name: 'link-down',
      targets: ['host1'],
      startMs: 100,
      verifiedMs: 900,
    });
    const r = stepInjection(t.events(), t.window(), 'notFenced', 'host1');
    expect(r).toEqual({
      injection: {
        ns: t.ns(900),
        startNs: t.ns(100),
        lines: [
          t.lineOf((x) => x.kind === 'ledger' && x.state === 'verified'),
          t.lineOf((x) => x.kind === 'ledger' && x.state === 'intended'),
        ],
      },
    });
  });

  it('says a fault was refused, with the reason the ledger holds', () => {
    const t = new TimelineBuilder()
      .step(0, '1.1', 'start', { faults: ['f1'] })
      .ledger(10, 'f1', 'refused', {
        name: 'host-power-off',
        targets: ['host1'],
        detail: 'host1 has no fencing levels',
      })
      .step(20, '1.1', 'end');
    expect(verdictOf(t)).toMatchObject({
      status: 'inconclusive',
      reason: 'step 1.1: fault f1 (host-power-off host1) was refused: host1 has no fencing levels',
    });
  });

  it("gives the runner's error when the step injected nothing (the runner names faults only once injected)", () => {
    const t = new TimelineBuilder()
      .step(0, '1.1', 'start', { detail: { fault: 'host-power-off' } })
      .step(20, '1.1', 'end', { detail: { error: 'no host runs vm1' } });
    const v = verdictOf(t);
    expect(v.reason).toBe(
      'step 1.1 injected nothing (no host runs vm1), so there is no injection to measure from',
    );
    expect(v.evidence).toHaveLength(2);
  });
});
