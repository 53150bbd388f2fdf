import { describe, expect, it } from 'vitest';
import { BOOT_A, BOOT_B, TimelineBuilder } from '../../test/support/timeline-builder.js';
import { writesResumedWithin } from './writes-resumed-within.js';

const P = { vm: 'vm1', targetMs: 60_000 };
/** The guest writes one counter value per 100 ms (lab/guest/initScript.ts). */
const counting = (ms: number) => Math.floor(ms / 100);

/** A storage loss from 1 s to 21 s (reverted at 21 s), the step ending at `endMs`. */
const storageStep = (endMs: number, o: { revertedMs?: number | null; steadyMs?: number } = {}) =>
  new TimelineBuilder().faultStep({
    name: 'storage-loss',
    targets: ['host1'],
    startMs: 1000,
    verifiedMs: 1500,
    ...(o.revertedMs === null ? {} : { revertedMs: o.revertedMs ?? 21_000 }),
    ...(o.steadyMs !== undefined ? { steadyMs: o.steadyMs } : {}),
    endMs,
  });

describe('writesResumedWithin', () => {
  it('passes when the counter goes past its value at the revert, timed from the verified revert', () => {
    // Writes hang from 1 s (the counter frozen at 10) while HTTP still answers; they resume 2.5 s after the revert.
    const t = storageStep(30_000, { steadyMs: 21_500 })
      .probes('vm1', 0, 1000, { bootId: BOOT_A, counter: counting, every: 100 })
      .probes('vm1', 1000, 23_500, { bootId: BOOT_A, counter: 10, every: 100 })
      .probes('vm1', 23_500, 30_000, { bootId: BOOT_A, counter: counting, every: 100 });
    const v = writesResumedWithin(t.events(), t.window(), P);
    expect(v).toMatchObject({ status: 'pass', measuredMs: 2500, targetMs: 60_000, subject: 'vm1' });
    expect(v.reason).toBe(
      `vm1 wrote again 2.500 s after the revert (disk counter 10 -> 235, boot id ${BOOT_A} throughout): within the 60.000 s target`,
    );
    expect(v.evidence).toContain(t.lineOf((r) => r.kind === 'ledger' && r.state === 'reverted'));
  });

  it('does not take a VM that answers with a frozen counter for one that is back', () => {
    const t = storageStep(90_000, { steadyMs: 21_500 })
      .probes('vm1', 0, 1000, { bootId: BOOT_A, counter: counting, every: 100 })
      .probes('vm1', 1000, 90_000, { bootId: BOOT_A, counter: 10, every: 100 });
    const v = writesResumedWithin(t.events(), t.window(), P);
    expect(v.status).toBe('fail');
    expect(v.reason).toBe(
      "vm1's disk counter stayed at 10 up to the end of the step, 69.000 s after the revert: its writes did not resume",
    );
  });

  it('is undecided while the step is younger than the target after the revert (the runner waits for it)', () => {
    const t = storageStep(30_000, { steadyMs: 21_500 })
      .probes('vm1', 0, 1000, { bootId: BOOT_A, counter: counting, every: 100 })
      .probes('vm1', 1000, 30_000, { bootId: BOOT_A, counter: 10, every: 100 });
    expect(writesResumedWithin(t.events(), t.window(), P).status).toBe('inconclusive');
  });

  it('fails when the writes resume later than the target', () => {
    const t = storageStep(100_000)
      .probes('vm1', 0, 1000, { bootId: BOOT_A, counter: counting, every: 100 })
      .probes('vm1', 1000, 91_000, { bootId: BOOT_A, counter: 10, every: 100 })
      .probes('vm1', 91_000, 100_000, { bootId: BOOT_A, counter: counting, every: 100 });
    expect(writesResumedWithin(t.events(), t.window(), P)).toMatchObject({
      status: 'fail',
      measuredMs: 70_000,
    });
  });

  it('counts the writes made before the revert: only a value past the highest one is a resume', () => {
    // A VM paused on I/O error that the revert resumed: its counter moved during the revert already.
    const t = storageStep(30_000)
      .probes('vm1', 0, 1000, { bootId: BOOT_A, counter: counting, every: 100 })
      .probes('vm1', 1000, 20_000, { ok: false, every: 100 })
      .probes('vm1', 20_000, 21_000, { bootId: BOOT_A, counter: 300, every: 100 })
      .probes('vm1', 21_000, 22_000, { bootId: BOOT_A, counter: 300, every: 100 })
      .probes('vm1', 22_000, 30_000, { bootId: BOOT_A, counter: (ms) => 90 + counting(ms), every: 100 });
    expect(writesResumedWithin(t.events(), t.window(), P)).toMatchObject({
      status: 'pass',
      measuredMs: 1000,
    });
  });

  it('fails a VM that came back with a new boot id: restarted, not resumed', () => {
    const t = storageStep(30_000)
      .probes('vm1', 0, 1000, { bootId: BOOT_A, counter: counting, every: 100 })
      .probes('vm1', 1000, 15_000, { ok: false, every: 100 })
      .probes('vm1', 15_000, 30_000, { bootId: BOOT_B, counter: counting, every: 100 });
    const v = writesResumedWithin(t.events(), t.window(), P);
    expect(v.status).toBe('fail');
    expect(v.reason).toMatch(
      new RegExp(
        `^vm1's boot id changed from ${BOOT_A} to ${BOOT_B} 13\\.500 s after the injection: it restarted, it did not resume$`,
      ),
    );
  });

  describe('inconclusive', () => {
    it('when the revert was never verified', () => {
      const t = storageStep(30_000, { revertedMs: null }).probes('vm1', 0, 30_000, {
        bootId: BOOT_A,
        counter: counting,
        every: 100,
      });
      expect(writesResumedWithin(t.events(), t.window(), P)).toMatchObject({
        status: 'inconclusive',
        reason: 'step 1.1: the revert was never verified, so there is no revert to measure from',
      });
    });

    it('when no counter was read before the fault', () => {
      const t = storageStep(30_000).probes('vm1', 0, 30_000, { bootId: BOOT_A, every: 100 });
      expect(writesResumedWithin(t.events(), t.window(), P)).toMatchObject({
        status: 'inconclusive',
        reason: "vm1's probe never read a disk counter and boot id before the fault",
      });
    });
  });
});
