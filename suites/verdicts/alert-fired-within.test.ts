import { describe, expect, it } from 'vitest';
import { TimelineBuilder } from '../../test/support/timeline-builder.js';
import { alertFiredWithin } from './alert-fired-within.js';

const bmcDead = (endMs = 300_000) =>
  new TimelineBuilder()
    .reachability(0, 'alertmanager', true)
    .faultStep({ name: 'bmc-dead', targets: ['host1'], startMs: 1000, verifiedMs: 2000, endMs });

describe('alertFiredWithin', () => {
  it('passes from the injection to a firing notification with the labels asked for', () => {
    const t = bmcDead()
      .alert(30_000, 'HavocBmcDown', 'firing', { host: 'host2' })
      .alert(62_000, 'HavocBmcDown', 'firing', { host: 'host1', severity: 'critical' });
    const v = alertFiredWithin(t.events(), t.window(), {
      alertname: 'HavocBmcDown',
      labels: { host: 'host1' },
      targetMs: 120_000,
    });
    expect(v).toMatchObject({ status: 'pass', measuredMs: 60_000, subject: 'HavocBmcDown' });
    expect(v.reason).toBe(
      'HavocBmcDown{host="host1"} notified firing 60.000 s after the injection: within the 120.000 s target',
    );
  });

  it('fails a notification over the target, and no notification at all past the target', () => {
    const late = bmcDead().alert(200_000, 'HavocBmcDown', 'firing', { host: 'host1' });
    expect(
      alertFiredWithin(late.events(), late.window(), { alertname: 'HavocBmcDown', targetMs: 120_000 }),
    ).toMatchObject({
      status: 'fail',
      measuredMs: 198_000,
    });
    const none = bmcDead().alert(50_000, 'HavocBmcDown', 'resolved', { host: 'host1' });
    const v = alertFiredWithin(none.events(), none.window(), {
      alertname: 'HavocBmcDown',
      targetMs: 120_000,
    });
    expect(v).toMatchObject({
      status: 'fail',
      reason: 'no notification of HavocBmcDown firing during the step',
    });
  });

  describe('inconclusive', () => {
    it('when the alert was already firing before the fault', () => {
      const t = new TimelineBuilder()
        .alert(500, 'HavocBmcDown', 'firing', { host: 'host1' })
        .faultStep({ name: 'bmc-dead', targets: ['host1'], startMs: 1000, verifiedMs: 2000, endMs: 300_000 })
        .alert(62_000, 'HavocBmcDown', 'firing', { host: 'host1' });
      const v = alertFiredWithin(t.events(), t.window(), { alertname: 'HavocBmcDown', targetMs: 120_000 });
      expect(v.status).toBe('inconclusive');
      expect(v.reason).toContain('already firing before the fault');
    });

    it('when the webhook receiver wrote nothing in the run', () => {
      const t = new TimelineBuilder().faultStep({
        name: 'bmc-dead',
        targets: ['host1'],
        startMs: 1000,
        verifiedMs: 2000,
        endMs: 300_000,
      });
      const v = alertFiredWithin(t.events(), t.window(), { alertname: 'HavocBmcDown', targetMs: 120_000 });
      expect(v.reason).toContain(
        'no Alertmanager webhook receiver listened in this run: give `havoc suite run --alert-webhook HOST:PORT`',
      );
    });

    it('when the receiver stopped listening during the step', () => {
      const t = bmcDead().reachability(5000, 'alertmanager', false, 'listener closed');
      expect(
        alertFiredWithin(t.events(), t.window(), { alertname: 'HavocBmcDown', targetMs: 120_000 }).status,
      ).toBe('inconclusive');
    });

    it('when the step ended before the target', () => {
      const t = bmcDead(30_000);
      expect(
        alertFiredWithin(t.events(), t.window(), { alertname: 'HavocBmcDown', targetMs: 120_000 }).status,
      ).toBe('inconclusive');
    });

    it('when the injection never verified', () => {
      const t = new TimelineBuilder()
        .reachability(0, 'alertmanager', true)
        .faultStep({ name: 'bmc-dead', targets: ['host1'], startMs: 1000, endMs: 300_000 })
        .alert(62_000, 'HavocBmcDown', 'firing');
      expect(
        alertFiredWithin(t.events(), t.window(), { alertname: 'HavocBmcDown', targetMs: 120_000 }).status,
      ).toBe('inconclusive');
    });
  });
});
