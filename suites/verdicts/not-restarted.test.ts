import { describe, expect, it } from 'vitest';
import { BOOT_A, BOOT_B, TimelineBuilder } from '../../test/support/timeline-builder.js';
import { notRestarted } from './not-restarted.js';

const kill = () =>
  new TimelineBuilder().faultStep({
    name: 'daemon-kill',
    targets: ['host1'],
    startMs: 1000,
    verifiedMs: 1100,
    endMs: 60_000,
  });

describe('notRestarted', () => {
  it('passes the same boot id before the fault and to the end of the step, folded or not', () => {
    const plain = kill().probes('vm1', 0, 60_000, { bootId: BOOT_A, every: 100 });
    const folded = kill()
      .fold('vm1', 0, 1000, { bootId: BOOT_A })
      .fold('vm1', 1000, 60_000, { bootId: BOOT_A });
    for (const t of [plain, folded]) {
      const v = notRestarted(t.events(), t.window(), { vm: 'vm1' });
      expect(v.status).toBe('pass');
    }
    expect(notRestarted(folded.events(), folded.window(), { vm: 'vm1' }).reason).toContain(
      'last answer to a request sent 58.890 s after the injection',
    );
  });

  it('fails a new boot id', () => {
    const t = kill()
      .probes('vm1', 0, 2000, { bootId: BOOT_A, every: 100 })
      .probes('vm1', 2000, 9000, { ok: false, every: 100 })
      .probes('vm1', 9000, 60_000, { bootId: BOOT_B, every: 100 });
    const v = notRestarted(t.events(), t.window(), { vm: 'vm1' });
    expect(v.status).toBe('fail');
    expect(v.reason).toBe(`vm1 restarted: boot id ${BOOT_A} -> ${BOOT_B} 7.900 s after the injection`);
  });

  describe('inconclusive', () => {
    it('when the probe never answered with a boot id before the fault', () => {
      const t = kill().probes('vm1', 0, 60_000, { ok: false, every: 100 });
      expect(notRestarted(t.events(), t.window(), { vm: 'vm1' }).status).toBe('inconclusive');
    });

    it('when the VM was down at the end of the step (a restart may be under way)', () => {
      const t = kill()
        .probes('vm1', 0, 5000, { bootId: BOOT_A, every: 100 })
        .probes('vm1', 5000, 60_000, { ok: false, every: 100, error: 'connect ECONNREFUSED' });
      const v = notRestarted(t.events(), t.window(), { vm: 'vm1' });
      expect(v.status).toBe('inconclusive');
      expect(v.reason).toContain('not answering at the end of the step (connect ECONNREFUSED)');
    });

    it('when there is no probe sample after the injection', () => {
      const t = kill().probes('vm1', 0, 1000, { bootId: BOOT_A, every: 100 });
      expect(notRestarted(t.events(), t.window(), { vm: 'vm1' }).reason).toBe(
        'no probe sample of vm1 after the injection',
      );
    });

    it('when the injection never verified', () => {
      const t = new TimelineBuilder()
        .faultStep({ name: 'daemon-kill', targets: ['host1'], startMs: 1000, endMs: 60_000 })
        .probes('vm1', 0, 60_000, { bootId: BOOT_A, every: 100 });
      expect(notRestarted(t.events(), t.window(), { vm: 'vm1' }).status).toBe('inconclusive');
    });
  });
});
