import { describe, expect, it } from 'vitest';
import { BOOT_A, BOOT_B, TimelineBuilder } from '../../test/support/timeline-builder.js';
import { maxServiceDowntime } from './max-service-downtime.js';

/** vm1 live-migrated from 1 s to 4 s; its probe fails from 3000 to 3320 ms. */
function migration(opts: { fold?: boolean; afterBootId?: string; endMs?: number } = {}) {
  const t = new TimelineBuilder().actionStep({
    action: 'live-migrate',
    targets: ['vm1'],
    startMs: 1000,
    doneMs: 4000,
    endMs: opts.endMs ?? 10_000,
  });
  const add = opts.fold ? t.fold.bind(t) : t.probes.bind(t);
  add('vm1', 0, 3000, { bootId: BOOT_A });
  add('vm1', 3000, 3320, { ok: false, error: 'connect EHOSTUNREACH' });
  add('vm1', 3320, opts.endMs ?? 10_000, { bootId: opts.afterBootId ?? BOOT_A });
  return t;
}

describe('maxServiceDowntime', () => {
  it("passes the migration's longest probe outage under the target, boot id unchanged", () => {
    const t = migration();
    const v = maxServiceDowntime(t.events(), t.window(), { vm: 'vm1', targetMs: 500 });
    expect(v).toMatchObject({ status: 'pass', measuredMs: 320, targetMs: 500 });
    expect(v.reason).toContain('longest outage 320.0 ms (32 failed requests: connect EHOSTUNREACH)');
    const firstFail = t.lineOf((r) => r.kind === 'probe' && !r.ok);
    expect(v.evidence).toContain(firstFail);
  });

  it('measures the same on folded probe records', () => {
    const t = migration({ fold: true });
    expect(maxServiceDowntime(t.events(), t.window(), { vm: 'vm1', targetMs: 500 })).toMatchObject({
      status: 'pass',
      measuredMs: 320,
    });
  });

  it('fails an outage over the target', () => {
    const t = migration();
    expect(maxServiceDowntime(t.events(), t.window(), { vm: 'vm1', targetMs: 200 })).toMatchObject({
      status: 'fail',
      measuredMs: 320,
    });
  });

  it('fails a boot id change whatever the outage: the VM restarted', () => {
    const t = migration({ afterBootId: BOOT_B });
    const v = maxServiceDowntime(t.events(), t.window(), { vm: 'vm1', targetMs: 5000 });
    expect(v.status).toBe('fail');
    expect(v.reason).toContain(`boot id changed from ${BOOT_A} to ${BOOT_B}`);
    expect(v.reason).toContain('it restarted, it was not live-migrated');
  });

  it('fails a VM still down at the end of the step', () => {
    const t = new TimelineBuilder()
      .actionStep({ action: 'live-migrate', targets: ['vm1'], startMs: 1000, doneMs: 4000, endMs: 10_000 })
      .probes('vm1', 0, 3000, { bootId: BOOT_A })
      .probes('vm1', 3000, 10_000, { ok: false });
    const v = maxServiceDowntime(t.events(), t.window(), { vm: 'vm1', targetMs: 5000 });
    expect(v.status).toBe('fail');
    expect(v.reason).toContain('to the end of the step');
  });

  describe('inconclusive', () => {
    it('when the migration never completed', () => {
      const t = new TimelineBuilder()
        .actionStep({ action: 'live-migrate', targets: ['vm1'], startMs: 1000, failedMs: 4000 })
        .probes('vm1', 0, 5000, { bootId: BOOT_A });
      const v = maxServiceDowntime(t.events(), t.window(), { vm: 'vm1', targetMs: 500 });
      expect(v.status).toBe('inconclusive');
      expect(v.reason).toBe('step 1.1: action a1 (live-migrate vm1) never verified in effect');
    });

    it('when the probe never answered before the migration', () => {
      const t = new TimelineBuilder()
        .actionStep({ action: 'live-migrate', targets: ['vm1'], startMs: 1000, doneMs: 4000 })
        .probes('vm1', 0, 5000, { ok: false });
      const v = maxServiceDowntime(t.events(), t.window(), { vm: 'vm1', targetMs: 500 });
      expect(v.status).toBe('inconclusive');
      expect(v.reason).toContain('never answered with a boot id before');
    });

    it('when the probe stopped before the migration completed', () => {
      const t = new TimelineBuilder()
        .actionStep({ action: 'live-migrate', targets: ['vm1'], startMs: 1000, doneMs: 4000 })
        .probes('vm1', 0, 2000, { bootId: BOOT_A });
      const v = maxServiceDowntime(t.events(), t.window(), { vm: 'vm1', targetMs: 500 });
      expect(v.status).toBe('inconclusive');
      expect(v.reason).toContain('stopped before');
    });
  });
});
