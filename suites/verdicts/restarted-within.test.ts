import { describe, expect, it } from 'vitest';
import { BOOT_A, BOOT_B, TimelineBuilder } from '../../test/support/timeline-builder.js';
import { restartedWithin } from './restarted-within.js';

/** host1 powered off at 1 s (verified at 1.5 s); vm1 down from 1 s, back with a new boot id at 20 s. */
function powerOff(opts: { fold?: boolean; endMs?: number } = {}) {
  const t = new TimelineBuilder()
    .run(0, 'start')
    .placement(0, 'vm1', ['host1'])
    .faultStep({
      name: 'host-power-off',
      targets: ['host1'],
      startMs: 1000,
      verifiedMs: 1500,
      revertedMs: 40_000,
      steadyMs: 45_000,
      endMs: opts.endMs ?? 90_000,
    });
  const probes = opts.fold ? t.fold.bind(t) : t.probes.bind(t);
  probes('vm1', 0, 1000, { bootId: BOOT_A });
  probes('vm1', 1000, 20_000, { ok: false });
  probes('vm1', 20_000, opts.endMs ?? 90_000, { bootId: BOOT_B });
  return t;
}

const firstB = (t: TimelineBuilder) => t.lineOf((r) => r.kind === 'probe' && r.fields?.bootId === BOOT_B);
const verified = (t: TimelineBuilder) => t.lineOf((r) => r.kind === 'ledger' && r.state === 'verified');

describe('restartedWithin', () => {
  it('passes from the verified injection to the first answer of a new boot id on another host', () => {
    const t = powerOff().placement(19_000, 'vm1', ['host2']);
    const v = restartedWithin(t.events(), t.window(), { vm: 'vm1', targetMs: 60_000 });
    expect(v).toMatchObject({ status: 'pass', measuredMs: 18_500, targetMs: 60_000, subject: 'vm1' });
    expect(v.reason).toContain('on host2 (was on host1)');
    const placed = t.lineOf((r) => r.kind === 'watch' && (r.fields?.hosts as string[])?.[0] === 'host2');
    expect(v.evidence).toEqual(expect.arrayContaining([verified(t), firstB(t), placed]));
  });

  it('measures the same from folded probe records', () => {
    const t = powerOff({ fold: true }).placement(19_000, 'vm1', ['host2']);
    const v = restartedWithin(t.events(), t.window(), { vm: 'vm1', targetMs: 60_000 });
    expect(v).toMatchObject({ status: 'pass', measuredMs: 18_500 });
    expect(v.evidence).toContain(firstB(t));
  });

  it('fails over the target, with the measured value', () => {
    const t = powerOff().placement(19_000, 'vm1', ['host2']);
    const v = restartedWithin(t.events(), t.window(), { vm: 'vm1', targetMs: 10_000 });
    expect(v).toMatchObject({ status: 'fail', measuredMs: 18_500, targetMs: 10_000 });
    expect(v.reason).toContain('over the 10.000 s target');
  });

  it('fails a restart on the host it ran on before', () => {
    const t = powerOff().placement(10_000, 'vm1', []).placement(19_000, 'vm1', ['host1']);
    const v = restartedWithin(t.events(), t.window(), { vm: 'vm1', targetMs: 60_000 });
    expect(v.status).toBe('fail');
    expect(v.reason).toContain('on the same host host1');
  });

  it('passes a restart in place when told not to judge the host', () => {
    const t = powerOff().placement(10_000, 'vm1', []).placement(19_000, 'vm1', ['host1']);
    const v = restartedWithin(t.events(), t.window(), { vm: 'vm1', targetMs: 60_000, onAnotherHost: false });
    expect(v).toMatchObject({ status: 'pass', measuredMs: 18_500 });
  });

  it('judges on the probe alone when the timeline has no placement records at all', () => {
    const t = new TimelineBuilder()
      .faultStep({ name: 'daemon-kill', targets: ['host1'], startMs: 1000, verifiedMs: 1200, endMs: 30_000 })
      .probes('vm1', 0, 1000, { bootId: BOOT_A })
      .probes('vm1', 1000, 5000, { ok: false })
      .probes('vm1', 5000, 30_000, { bootId: BOOT_B, every: 100 });
    const v = restartedWithin(t.events(), t.window(), { vm: 'vm1', targetMs: 60_000 });
    expect(v).toMatchObject({ status: 'pass', measuredMs: 3800 });
  });

  it('fails when the VM never came back, the probe having run past the target', () => {
    const t = new TimelineBuilder()
      .faultStep({
        name: 'host-power-off',
        targets: ['host1'],
        startMs: 1000,
        verifiedMs: 1500,
        endMs: 90_000,
      })
      .probes('vm1', 0, 1000, { bootId: BOOT_A })
      .probes('vm1', 1000, 90_000, { ok: false, every: 100, error: 'connect ECONNREFUSED' });
    const v = restartedWithin(t.events(), t.window(), { vm: 'vm1', targetMs: 60_000 });
    expect(v.status).toBe('fail');
    expect(v.reason).toBe(
      'vm1 did not come back with a new boot id within the step: not answering (connect ECONNREFUSED): 890 failed requests from 500.0 ms before the injection was verified, the probe reaching 88.400 s after the injection',
    );
    expect(v.measuredMs).toBeUndefined();
  });

  it('says so when only the last request of the step failed: one timed-out request is no outage', () => {
    const t = new TimelineBuilder()
      .faultStep({
        name: 'network-partition',
        targets: ['host1'],
        startMs: 1000,
        verifiedMs: 1500,
        endMs: 90_000,
      })
      .probes('vm1', 0, 89_900, { bootId: BOOT_A, every: 100 })
      .probe(89_900, 'vm1', { ok: false, error: 'no answer within 500 ms' });
    const v = restartedWithin(t.events(), t.window(), { vm: 'vm1', targetMs: 60_000 });
    expect(v.status).toBe('fail');
    expect(v.reason).toBe(
      'vm1 did not come back with a new boot id within the step: not answering (no answer within 500 ms): its last request failed, sent 88.400 s after the injection, the probe reaching 88.400 s after the injection',
    );
  });

  it('fails when the VM kept its boot id through the step', () => {
    const t = new TimelineBuilder()
      .faultStep({
        name: 'host-power-off',
        targets: ['host1'],
        startMs: 1000,
        verifiedMs: 1500,
        endMs: 90_000,
      })
      .probes('vm1', 0, 90_000, { bootId: BOOT_A, every: 100 });
    const v = restartedWithin(t.events(), t.window(), { vm: 'vm1', targetMs: 60_000 });
    expect(v.status).toBe('fail');
    expect(v.reason).toContain(`still answering with boot id ${BOOT_A}`);
  });

  describe('inconclusive', () => {
    it('when the injection never verified', () => {
      const t = new TimelineBuilder()
        .faultStep({ name: 'host-power-off', targets: ['host1'], startMs: 1000, endMs: 90_000 })
        .probes('vm1', 0, 90_000, { bootId: BOOT_A, every: 100 });
      const v = restartedWithin(t.events(), t.window(), { vm: 'vm1', targetMs: 60_000 });
      expect(v.status).toBe('inconclusive');
      expect(v.reason).toBe(
        'step 1.1: fault f1 (host-power-off host1) never verified in effect (last state: injected)',
      );
      expect(v.evidence).toContain(t.lineOf((r) => r.kind === 'ledger' && r.state === 'intended'));
    });

    it('when the probe never answered with a boot id before the fault', () => {
      const t = new TimelineBuilder()
        .faultStep({
          name: 'host-power-off',
          targets: ['host1'],
          startMs: 1000,
          verifiedMs: 1500,
          endMs: 90_000,
        })
        .probes('vm1', 0, 20_000, { ok: false, every: 100 })
        .probes('vm1', 20_000, 90_000, { bootId: BOOT_B, every: 100 });
      const v = restartedWithin(t.events(), t.window(), { vm: 'vm1', targetMs: 60_000 });
      expect(v.status).toBe('inconclusive');
      expect(v.reason).toContain('never answered with a boot id before the fault');
    });

    it('when there is no probe sample after the injection', () => {
      const t = new TimelineBuilder()
        .faultStep({
          name: 'host-power-off',
          targets: ['host1'],
          startMs: 1000,
          verifiedMs: 1500,
          endMs: 90_000,
        })
        .probes('vm1', 0, 1000, { bootId: BOOT_A });
      const v = restartedWithin(t.events(), t.window(), { vm: 'vm1', targetMs: 60_000 });
      expect(v.status).toBe('inconclusive');
      expect(v.reason).toBe('no probe sample of vm1 after the injection');
    });

    it('when the probe stopped before the target without a new boot id', () => {
      const t = new TimelineBuilder()
        .faultStep({
          name: 'host-power-off',
          targets: ['host1'],
          startMs: 1000,
          verifiedMs: 1500,
          endMs: 90_000,
        })
        .probes('vm1', 0, 1000, { bootId: BOOT_A })
        .probes('vm1', 1000, 10_000, { ok: false, every: 100 });
      const v = restartedWithin(t.events(), t.window(), { vm: 'vm1', targetMs: 60_000 });
      expect(v.status).toBe('inconclusive');
      expect(v.reason).toContain('stopped 8.400 s after the injection, before the 60.000 s target');
    });

    it('when placement records exist but none after the fault says where it runs (the watcher lost the cluster)', () => {
      const t = powerOff()
        .reachability(0, 'pacemaker', true)
        .reachability(2000, 'pacemaker', false, 'no node answered crm_mon');
      const v = restartedWithin(t.events(), t.window(), { vm: 'vm1', targetMs: 60_000 });
      expect(v.status).toBe('inconclusive');
      expect(v.measuredMs).toBe(18_500);
      expect(v.reason).toContain('no placement record after the fault says where it ran');
      expect(v.reason).toContain('no node answered crm_mon');
    });
  });
});
