import { describe, expect, it } from 'vitest';
import { TimelineBuilder } from '../../test/support/timeline-builder.js';
import { fencedWithin } from './fenced-within.js';

/** host1 hung at 1 s (verified 1.5 s), the Pacemaker watcher reading the cluster throughout. */
const hang = (endMs = 120_000) =>
  new TimelineBuilder()
    .reachability(0, 'pacemaker', true)
    .node(0, 'host1')
    .faultStep({ name: 'host-hang', targets: ['host1'], startMs: 1000, verifiedMs: 1500, endMs });

describe('fencedWithin', () => {
  it('passes from the injection to a successful fence in the fence history', () => {
    const t = hang()
      .fence(20_000, 'host1', 'pending')
      .fence(25_500, 'host1', 'success', { delegate: 'host2' });
    const v = fencedWithin(t.events(), t.window(), { host: 'host1', targetMs: 60_000 });
    expect(v).toMatchObject({ status: 'pass', measuredMs: 24_000, targetMs: 60_000 });
    expect(v.reason).toContain('host1 fenced (reboot by host2) 24.000 s after the injection');
    expect(v.evidence).toContain(t.lineOf((r) => r.kind === 'watch' && r.fields?.status === 'success'));
  });

  it('fails a fence over the target, and counts the failed attempts before it', () => {
    const t = hang()
      .fence(20_000, 'host1', 'failed', { exitReason: 'fence_ipmilan: timed out' })
      .fence(90_000, 'host1', 'success');
    const v = fencedWithin(t.events(), t.window(), { host: 'host1', targetMs: 60_000 });
    expect(v).toMatchObject({ status: 'fail', measuredMs: 88_500 });
    expect(v.reason).toContain('after 1 failed attempt(s) (fence_ipmilan: timed out)');
  });

  it('is inconclusive, not fail, for a fence seen over the target right after a watcher gap (seen late, maybe not late)', () => {
    const t = hang()
      .reachability(5000, 'pacemaker', false, 'no node answered crm_mon')
      .reachability(80_000, 'pacemaker', true)
      .fence(80_000, 'host1', 'success');
    const v = fencedWithin(t.events(), t.window(), { host: 'host1', targetMs: 60_000 });
    expect(v).toMatchObject({ status: 'inconclusive', measuredMs: 78_500 });
    expect(v.reason).toContain('so it may have come earlier');
    // Within the target it is a pass all the same: the fence came at the latest when it was seen.
    expect(fencedWithin(t.events(), t.window(), { host: 'host1', targetMs: 90_000 }).status).toBe('pass');
  });

  it('fails when no fence came while the watcher read the cluster past the target', () => {
    const t = hang();
    const v = fencedWithin(t.events(), t.window(), { host: 'host1', targetMs: 60_000 });
    expect(v.status).toBe('fail');
    expect(v.reason).toContain('host1 was not fenced within the step');
  });

  it("ignores another host's fence and a fence from before the fault", () => {
    const t = new TimelineBuilder()
      .reachability(0, 'pacemaker', true)
      .fence(500, 'host1', 'success')
      .faultStep({ name: 'host-hang', targets: ['host1'], startMs: 1000, verifiedMs: 1500, endMs: 120_000 })
      .fence(5000, 'host2', 'success');
    expect(fencedWithin(t.events(), t.window(), { host: 'host1', targetMs: 60_000 }).status).toBe('fail');
  });

  describe('inconclusive', () => {
    it('when the Pacemaker watcher could not read the cluster during the step', () => {
      const t = hang().reachability(3000, 'pacemaker', false, 'no node answered crm_mon');
      const v = fencedWithin(t.events(), t.window(), { host: 'host1', targetMs: 60_000 });
      expect(v.status).toBe('inconclusive');
      expect(v.reason).toContain('no node answered crm_mon');
      expect(v.evidence).toContain(t.lineOf((r) => r.kind === 'watch' && r.fields?.reachable === false));
    });

    it('when no Pacemaker watcher ran at all', () => {
      const t = new TimelineBuilder().faultStep({
        name: 'host-hang',
        targets: ['host1'],
        startMs: 1000,
        verifiedMs: 1500,
        endMs: 120_000,
      });
      const v = fencedWithin(t.events(), t.window(), { host: 'host1', targetMs: 60_000 });
      expect(v).toMatchObject({ status: 'inconclusive' });
      expect(v.reason).toContain('no pacemaker watcher wrote anything in this run');
    });

    it('when the step ended before the target', () => {
      const v = fencedWithin(hang(30_000).events(), hang(30_000).window(), {
        host: 'host1',
        targetMs: 60_000,
      });
      expect(v.status).toBe('inconclusive');
      expect(v.reason).toContain('before the 60.000 s target');
    });

    it('when the injection never verified', () => {
      const t = new TimelineBuilder()
        .reachability(0, 'pacemaker', true)
        .faultStep({ name: 'host-hang', targets: ['host1'], startMs: 1000, endMs: 120_000 });
      expect(fencedWithin(t.events(), t.window(), { host: 'host1', targetMs: 60_000 }).status).toBe(
        'inconclusive',
      );
    });
  });
});
