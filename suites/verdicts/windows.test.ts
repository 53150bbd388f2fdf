import { describe, expect, it } from 'vitest';
import { TimelineBuilder } from '../../test/support/timeline-builder.js';
import { stepWindows } from './windows.js';

describe('stepWindows', () => {
  it("takes the injection from the fault's ledger `verified`, the revert from `reverted`, steady from the step", () => {
    const t = new TimelineBuilder().faultStep({
      name: 'host-power-off',
      targets: ['host1'],
      startMs: 1000,
      injectedMs: 1200,
      verifiedMs: 1500,
      revertedMs: 40_000,
      steadyMs: 45_000,
      endMs: 46_000,
    });
    expect(stepWindows(t.events())).toEqual([
      {
        step: '1.1',
        startNs: t.ns(1000),
        injectedNs: t.ns(1500),
        revertedNs: t.ns(40_000),
        steadyNs: t.ns(45_000),
        endNs: t.ns(46_000),
        faults: ['f1'],
      },
    ]);
  });

  it('leaves out what never happened: no verified, no reverted, no steady', () => {
    const w = new TimelineBuilder()
      .faultStep({ name: 'bmc-dead', targets: ['host1'], startMs: 0, endMs: 5000 })
      .window();
    expect(w).toEqual({ step: '1.1', startNs: w.startNs, endNs: w.endNs, faults: ['f1'] });
  });

  it('needs every fault of a step in effect: the injection is the latest verified, absent while one is missing', () => {
    const about = { name: 'link-down', targets: ['host1'] };
    const both = new TimelineBuilder()
      .step(0, '1.1', 'start', { faults: ['f1', 'f2'] })
      .ledger(10, 'f1', 'verified', about)
      .ledger(30, 'f2', 'verified', about)
      .ledger(50, 'f1', 'reverted', about)
      .step(100, '1.1', 'end');
    expect(both.window()).toMatchObject({ injectedNs: both.ns(30), faults: ['f1', 'f2'] });
    expect(both.window().revertedNs).toBeUndefined(); // f2 never reverted
    const one = new TimelineBuilder()
      .step(0, '1.1', 'start', { faults: ['f1', 'f2'] })
      .ledger(10, 'f1', 'verified', about)
      .step(100, '1.1', 'end');
    expect(one.window().injectedNs).toBeUndefined();
  });

  it("takes an action's `done` as its injection, and gives an action-only step no revert", () => {
    const t = new TimelineBuilder().actionStep({
      action: 'live-migrate',
      targets: ['vm1'],
      startMs: 1000,
      doneMs: 4000,
      steadyMs: 5000,
    });
    expect(t.window()).toMatchObject({ injectedNs: t.ns(4000), steadyNs: t.ns(5000), faults: ['a1'] });
    expect(t.window().revertedNs).toBeUndefined();
  });

  it('ends a step without an end record at the next step, the last at the last record of the timeline', () => {
    const t = new TimelineBuilder()
      .step(0, '1.1', 'start', { faults: [] })
      .step(1000, '1.2', 'start', { faults: [] })
      .probe(2500, 'vm1');
    expect(stepWindows(t.events()).map((w) => [w.step, w.endNs])).toEqual([
      ['1.1', t.ns(1000)],
      ['1.2', t.ns(2500)],
    ]);
  });

  it('orders steps by their start, and separates the repeats of one step', () => {
    const t = new TimelineBuilder()
      .faultStep({
        step: '2.1',
        name: 'x',
        fault: 'f2',
        targets: ['h'],
        startMs: 5000,
        verifiedMs: 5100,
        endMs: 6000,
      })
      .faultStep({
        step: '1.1',
        name: 'x',
        fault: 'f1',
        targets: ['h'],
        startMs: 0,
        verifiedMs: 100,
        endMs: 1000,
      });
    expect(stepWindows(t.events()).map((w) => [w.step, w.faults, w.injectedNs])).toEqual([
      ['1.1', ['f1'], t.ns(100)],
      ['2.1', ['f2'], t.ns(5100)],
    ]);
  });
});
