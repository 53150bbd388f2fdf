import { describe, expect, it } from 'vitest';
import { BOOT_A, TimelineBuilder } from '../../test/support/timeline-builder.js';
import { lastAnswerBefore, probeHistory, sampleSentAt, samplesReaching } from './probe-history.js';

describe('probeHistory', () => {
  it("takes one VM's samples in send order, whatever order they were written in (failures settle at their timeout)", () => {
    const t = new TimelineBuilder()
      .probe(0, 'vm1', { bootId: BOOT_A })
      .probe(10, 'vm1', { ok: false }) // written at 510 ms
      .probe(20, 'vm1', { bootId: BOOT_A })
      .probe(15, 'vm2', { bootId: BOOT_A });
    const h = probeHistory(t.events(), 'vm1');
    expect(h.samples.map((s) => [s.sentNs, s.ok])).toEqual([
      [String(t.ns(0)), true],
      [String(t.ns(10)), false],
      [String(t.ns(20)), true],
    ]);
    expect(h.lineOf(h.samples[1]!)).toBe(t.lineOf((r) => r.kind === 'probe' && !r.ok));
  });

  it('drops fields of the wrong type: a number is no boot id, a string no counter', () => {
    const t = new TimelineBuilder()
      .probe(0, 'vm1', { fields: { bootId: 42, counter: '7' } })
      .probe(10, 'vm1', { bootId: BOOT_A, counter: 3 });
    const h = probeHistory(t.events(), 'vm1');
    expect(h.samples[0]!.fields).toBeUndefined();
    expect(h.samples[1]!.fields).toEqual({ bootId: BOOT_A, counter: 3 });
    expect(lastAnswerBefore(h, t.ns(5), 'bootId')).toBeUndefined();
  });

  it('keeps a fold that straddles a bound, and finds it by its first or last send', () => {
    const t = new TimelineBuilder()
      .fold('vm1', 0, 1000, { bootId: BOOT_A })
      .probe(1000, 'vm1', { bootId: BOOT_A });
    const h = probeHistory(t.events(), 'vm1', { fromNs: t.ns(500), toNs: t.ns(999) });
    expect(h.samples).toHaveLength(1);
    expect(sampleSentAt(h, t.ns(990))).toBe(h.samples[0]);
    expect(sampleSentAt(h, t.ns(0))).toBe(h.samples[0]);
    expect(samplesReaching(h, t.ns(800))).toHaveLength(1);
  });
});
