import { describe, expect, it } from 'vitest';
import { BOOT_A, BOOT_B, TimelineBuilder } from '../../test/support/timeline-builder.js';
import { noDataLoss } from './no-data-loss.js';

/** The guest counts every 100 ms; host1 dies at 1 s and the VM comes back at 20 s. */
function restart(counterAfter: (ms: number) => number, opts: { fold?: boolean } = {}) {
  const t = new TimelineBuilder().faultStep({
    name: 'host-power-off',
    targets: ['host1'],
    startMs: 1000,
    verifiedMs: 1500,
    endMs: 30_000,
  });
  if (opts.fold) {
    for (let ms = 0; ms < 1000; ms += 100) t.fold('vm1', ms, ms + 100, { bootId: BOOT_A, counter: ms / 100 });
    for (let ms = 20_000; ms < 30_000; ms += 100)
      t.fold('vm1', ms, ms + 100, { bootId: BOOT_B, counter: counterAfter(ms) });
  } else {
    t.probes('vm1', 0, 1000, { bootId: BOOT_A, counter: (ms) => Math.floor(ms / 100) });
    t.probes('vm1', 20_000, 30_000, { bootId: BOOT_B, counter: counterAfter });
  }
  return t.probes('vm1', 1000, 20_000, { ok: false, every: 100 });
}

describe('noDataLoss', () => {
  it('passes a counter that goes on from where it was', () => {
    const t = restart((ms) => 10 + Math.floor((ms - 20_000) / 100));
    const v = noDataLoss(t.events(), t.window(), { vm: 'vm1' });
    expect(v.status).toBe('pass');
    expect(v.reason).toBe(
      "vm1's disk counter never went backwards: 9 before the fault, 109 at the last of 1000 read(s) after the injection",
    );
  });

  it('fails a counter that went backwards after the restart (lost writes)', () => {
    const t = restart((ms) => 4 + Math.floor((ms - 20_000) / 100));
    const v = noDataLoss(t.events(), t.window(), { vm: 'vm1' });
    expect(v.status).toBe('fail');
    expect(v.reason).toContain('went back from 9 to 4 ');
    expect(v.evidence).toContain(t.lineOf((r) => r.kind === 'probe' && r.fields?.bootId === BOOT_B));
  });

  it('reads folded probe records the same way', () => {
    const lost = restart((ms) => 4 + (ms - 20_000) / 100, { fold: true });
    expect(noDataLoss(lost.events(), lost.window(), { vm: 'vm1' }).status).toBe('fail');
    const ok = restart((ms) => 10 + (ms - 20_000) / 100, { fold: true });
    expect(noDataLoss(ok.events(), ok.window(), { vm: 'vm1' }).status).toBe('pass');
  });

  describe('inconclusive', () => {
    it('when no counter was read before the fault', () => {
      const t = new TimelineBuilder()
        .faultStep({
          name: 'host-power-off',
          targets: ['host1'],
          startMs: 1000,
          verifiedMs: 1500,
          endMs: 30_000,
        })
        .probes('vm1', 0, 30_000, { bootId: BOOT_A, every: 100 });
      const v = noDataLoss(t.events(), t.window(), { vm: 'vm1' });
      expect(v).toMatchObject({
        status: 'inconclusive',
        reason: "vm1's probe never read a disk counter before the fault",
      });
    });

    it('when no counter was read after the injection', () => {
      const t = new TimelineBuilder()
        .faultStep({
          name: 'host-power-off',
          targets: ['host1'],
          startMs: 1000,
          verifiedMs: 1500,
          endMs: 30_000,
        })
        .probes('vm1', 0, 1000, { counter: 3, every: 100 })
        .probes('vm1', 1000, 30_000, { ok: false, every: 100 });
      const v = noDataLoss(t.events(), t.window(), { vm: 'vm1' });
      expect(v).toMatchObject({
        status: 'inconclusive',
        reason: "vm1's probe read no disk counter after the injection",
      });
    });

    it('when the injection never verified', () => {
      const t = new TimelineBuilder()
        .faultStep({ name: 'host-power-off', targets: ['host1'], startMs: 1000, endMs: 30_000 })
        .probes('vm1', 0, 30_000, { counter: 3, every: 100 });
      expect(noDataLoss(t.events(), t.window(), { vm: 'vm1' }).status).toBe('inconclusive');
    });
  });
});
