import { describe, expect, it } from 'vitest';
import { TimelineBuilder } from '../../test/support/timeline-builder.js';
import { alertResolvedWithin, resolutionAwaited } from './alert-resolved-within.js';

/*
 * alertResolvedWithin on synthetic timelines (ms from the run's start, wall
 * clock from 2026-12-01T12:00:00Z): a link-down verified at 2 s, reverted at
 * 100 s, the receiver listening from 0.
 */

const PORT = { alertname: 'HASwitchPortDown', labels: { host: 'host2' }, targetMs: 60_000 };

const linkDown = (s: { revertedMs?: number; endMs?: number } = {}) =>
  new TimelineBuilder().reachability(0, 'alertmanager', true).faultStep({
    name: 'link-down',
    targets: ['host2'],
    startMs: 1000,
    verifiedMs: 2000,
    revertedMs: 'revertedMs' in s ? s.revertedMs : 100_000,
    endMs: s.endMs ?? 300_000,
  });

const judge = (t: TimelineBuilder, p: Partial<typeof PORT> = {}) =>
  alertResolvedWithin(t.events(), t.window(), { ...PORT, ...p });

describe('alertResolvedWithin', () => {
  it('passes from the verified revert to the resolved notification, naming the fire and resolve times', () => {
    const t = linkDown()
      .alert(20_000, 'HASwitchPortDown', 'firing', { host: 'host1' }, 'fp-other')
      .alert(36_000, 'HASwitchPortDown', 'firing', { host: 'host2', port: 'swp7' }, 'fp7')
      .alert(103_500, 'HASwitchPortDown', 'resolved', { host: 'host2', port: 'swp7' }, 'fp7');
    const v = judge(t);
    expect(v).toMatchObject({
      status: 'pass',
      measuredMs: 3500,
      targetMs: 60_000,
      subject: 'HASwitchPortDown',
    });
    const line = (status: string) =>
      t.lineOf(
        (r) =>
          r.kind === 'watch' &&
          r.event === 'alert' &&
          r.fields?.['status'] === status &&
          r.fields?.['fingerprint'] === 'fp7',
      );
    expect(v.reason).toBe(
      'HASwitchPortDown{host="host2"} notified resolved 3.500 s after the revert: within the 60.000 s target ' +
        `(fired 34.000 s after the injection at 2026-12-01T12:00:36.000Z, line ${line('firing')}; resolved at 2026-12-01T12:01:43.500Z, line ${line('resolved')})`,
    );
    expect(v.evidence).toEqual(
      expect.arrayContaining([
        t.lineOf((r) => r.kind === 'ledger' && r.state === 'verified'),
        t.lineOf((r) => r.kind === 'ledger' && r.state === 'reverted'),
        line('firing'),
        line('resolved'),
      ]),
    );
    // Another host's alert is not this one.
    expect(v.evidence).not.toContain(
      t.lineOf((r) => r.kind === 'watch' && r.fields?.['fingerprint'] === 'fp-other'),
    );
  });

  it('waits for every matching alert that fired and measures the last one resolved', () => {
    const t = linkDown()
      .alert(36_000, 'HASwitchPortDown', 'firing', { host: 'host2', port: 'swp7' }, 'fp7')
      .alert(37_000, 'HASwitchPortDown', 'firing', { host: 'host2', port: 'swp8' }, 'fp8')
      .alert(102_000, 'HASwitchPortDown', 'resolved', { host: 'host2', port: 'swp7' }, 'fp7')
      .alert(110_000, 'HASwitchPortDown', 'resolved', { host: 'host2', port: 'swp8' }, 'fp8');
    const v = judge(t);
    expect(v).toMatchObject({ status: 'pass', measuredMs: 10_000 });
    expect(v.reason).toContain(
      'HASwitchPortDown{host="host2"} (all 2 alerts) notified resolved 10.000 s after the revert',
    );

    const one = linkDown()
      .alert(36_000, 'HASwitchPortDown', 'firing', { host: 'host2', port: 'swp7' }, 'fp7')
      .alert(37_000, 'HASwitchPortDown', 'firing', { host: 'host2', port: 'swp8' }, 'fp8')
      .alert(102_000, 'HASwitchPortDown', 'resolved', { host: 'host2', port: 'swp7' }, 'fp7');
    expect(judge(one).status).toBe('fail');
  });

  it('measures 0 for an alert resolved before the revert was verified, and says so', () => {
    const t = linkDown()
      .alert(36_000, 'HASwitchPortDown', 'firing', { host: 'host2' })
      .alert(99_000, 'HASwitchPortDown', 'resolved', { host: 'host2' });
    const v = judge(t);
    expect(v).toMatchObject({ status: 'pass', measuredMs: 0 });
    expect(v.reason).toContain('notified resolved 1.000 s before the revert was verified');
  });

  it('fails a resolved notification over the target, with measured and target', () => {
    const t = linkDown()
      .alert(36_000, 'HASwitchPortDown', 'firing', { host: 'host2' })
      .alert(190_000, 'HASwitchPortDown', 'resolved', { host: 'host2' });
    const v = judge(t);
    expect(v).toMatchObject({ status: 'fail', measuredMs: 90_000, targetMs: 60_000 });
    expect(v.reason).toMatch(
      /^HASwitchPortDown\{host="host2"\} notified resolved 90\.000 s after the revert: over the 60\.000 s target/,
    );
  });

  it('fails an alert still firing when the step ran past the target after the revert', () => {
    const t = linkDown({ endMs: 170_000 }).alert(36_000, 'HASwitchPortDown', 'firing', { host: 'host2' });
    const v = judge(t);
    expect(v.status).toBe('fail');
    const fired = t.lineOf((r) => r.kind === 'watch' && r.event === 'alert');
    expect(v.reason).toBe(
      'HASwitchPortDown{host="host2"} still firing 70.000 s after the revert, over the 60.000 s target: no resolved notification ' +
        `(fired 34.000 s after the injection at 2026-12-01T12:00:36.000Z, line ${fired}; last firing line ${fired})`,
    );
  });

  it('fails an alert that resolved, then fired again and stayed firing', () => {
    const t = linkDown()
      .alert(36_000, 'HASwitchPortDown', 'firing', { host: 'host2' })
      .alert(50_000, 'HASwitchPortDown', 'resolved', { host: 'host2' })
      .alert(80_000, 'HASwitchPortDown', 'firing', { host: 'host2' });
    expect(judge(t)).toMatchObject({ status: 'fail' });
  });

  describe('inconclusive', () => {
    it('when the run had no receiver', () => {
      const t = new TimelineBuilder().faultStep({
        name: 'link-down',
        targets: ['host2'],
        startMs: 1000,
        verifiedMs: 2000,
        revertedMs: 100_000,
        endMs: 300_000,
      });
      const v = judge(t);
      expect(v.status).toBe('inconclusive');
      expect(v.reason).toContain(
        'no Alertmanager webhook receiver listened in this run: give `havoc suite run --alert-webhook HOST:PORT`',
      );
    });

    it('when the alert never fired during the step', () => {
      const t = linkDown().alert(36_000, 'HASwitchPortDown', 'firing', { host: 'host1' });
      const v = judge(t);
      expect(v.status).toBe('inconclusive');
      expect(v.measuredMs).toBeUndefined();
      expect(v.reason).toBe(
        'HASwitchPortDown{host="host2"} never notified firing during the step, so there is no resolution to measure',
      );
    });

    it('when the alert was already firing before the fault', () => {
      const t = new TimelineBuilder()
        .reachability(0, 'alertmanager', true)
        .alert(500, 'HASwitchPortDown', 'firing', { host: 'host2' })
        .faultStep({
          name: 'link-down',
          targets: ['host2'],
          startMs: 1000,
          verifiedMs: 2000,
          revertedMs: 100_000,
          endMs: 300_000,
        })
        .alert(103_000, 'HASwitchPortDown', 'resolved', { host: 'host2' });
      expect(judge(t).reason).toContain('was already firing before the fault');
      expect(judge(t).status).toBe('inconclusive');
    });

    it('when the revert was never verified (the fault is not reverted within the run)', () => {
      const t = linkDown({ revertedMs: undefined }).alert(36_000, 'HASwitchPortDown', 'firing', {
        host: 'host2',
      });
      expect(judge(t)).toMatchObject({
        status: 'inconclusive',
        reason: 'step 1.1: the revert of f1 was never verified',
      });
    });

    it('when the step ended before the target without a resolved notification', () => {
      const t = linkDown({ endMs: 130_000 }).alert(36_000, 'HASwitchPortDown', 'firing', { host: 'host2' });
      const v = judge(t);
      expect(v.status).toBe('inconclusive');
      expect(v.reason).toMatch(
        /^the step ended 30\.000 s after the revert, before the 60\.000 s target, with HASwitchPortDown\{host="host2"\} still firing/,
      );
    });

    it('when the receiver lost a notification after the revert', () => {
      const t = linkDown()
        .alert(36_000, 'HASwitchPortDown', 'firing', { host: 'host2' })
        .reachability(101_000, 'alertmanager', false, 'a notification could not be read: not JSON')
        .reachability(101_000, 'alertmanager', true);
      const v = judge(t);
      expect(v.status).toBe('inconclusive');
      expect(v.reason).toContain('but the alert receiver did not hear everything during the step');
      expect(v.reason).toContain('not JSON');
      // A gap with the resolved notification seen after it: the resolution was heard.
      const heard = linkDown()
        .alert(36_000, 'HASwitchPortDown', 'firing', { host: 'host2' })
        .reachability(101_000, 'alertmanager', false, 'not JSON')
        .reachability(101_000, 'alertmanager', true)
        .alert(104_000, 'HASwitchPortDown', 'resolved', { host: 'host2' });
      expect(judge(heard)).toMatchObject({ status: 'pass', measuredMs: 4000 });
    });

    it('when the injection never verified', () => {
      const t = new TimelineBuilder()
        .reachability(0, 'alertmanager', true)
        .faultStep({
          name: 'link-down',
          targets: ['host2'],
          startMs: 1000,
          revertedMs: 100_000,
          endMs: 300_000,
        })
        .alert(36_000, 'HASwitchPortDown', 'firing', { host: 'host2' })
        .alert(103_000, 'HASwitchPortDown', 'resolved', { host: 'host2' });
      expect(judge(t).status).toBe('inconclusive');
      expect(judge(t).reason).toContain('never verified in effect');
    });
  });

  it('tells the runner whether a resolution is still to come: only for an alert that fired during the step', () => {
    const awaited = (t: TimelineBuilder) => resolutionAwaited(t.events(), t.window(), PORT);
    expect(awaited(linkDown().alert(36_000, 'HASwitchPortDown', 'firing', { host: 'host2' }))).toBe(true);
    expect(awaited(linkDown().alert(36_000, 'HASwitchPortDown', 'firing', { host: 'host1' }))).toBe(false);
    const before = new TimelineBuilder()
      .reachability(0, 'alertmanager', true)
      .alert(500, 'HASwitchPortDown', 'firing', { host: 'host2' })
      .faultStep({
        name: 'link-down',
        targets: ['host2'],
        startMs: 1000,
        verifiedMs: 2000,
        revertedMs: 100_000,
      });
    expect(awaited(before)).toBe(false);
  });
});
