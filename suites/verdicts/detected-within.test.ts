import { describe, expect, it } from 'vitest';
import { TimelineBuilder } from '../../test/support/timeline-builder.js';
import { detectedWithin } from './detected-within.js';

const powerOff = (endMs = 120_000) =>
  new TimelineBuilder()
    .reachability(0, 'pacemaker', true)
    .node(0, 'host1')
    .faultStep({ name: 'host-power-off', targets: ['host1'], startMs: 1000, verifiedMs: 1500, endMs });

describe('detectedWithin', () => {
  it('passes from the injection to the node seen offline or unclean', () => {
    const t = powerOff().node(9000, 'host1', { online: false, unclean: true });
    const v = detectedWithin(t.events(), t.window(), { host: 'host1', targetMs: 30_000 });
    expect(v).toMatchObject({ status: 'pass', measuredMs: 7500 });
    expect(v.reason).toContain('pacemaker saw host1 offline, unclean 7.500 s after the injection');
  });

  it('reads XAPI host liveness too', () => {
    const t = new TimelineBuilder()
      .watch(0, 'xapi', 'node', 'node:host1', { live: true, enabled: true, via: 'pool' })
      .faultStep({
        name: 'host-power-off',
        targets: ['host1'],
        startMs: 1000,
        verifiedMs: 1500,
        endMs: 120_000,
      })
      .watch(50_000, 'xapi', 'node', 'node:host1', { live: false, enabled: true, via: 'pool' });
    const v = detectedWithin(t.events(), t.window(), { host: 'host1', targetMs: 30_000 });
    expect(v).toMatchObject({ status: 'fail', measuredMs: 48_500 });
    expect(v.reason).toContain('xapi saw host1 not live');
  });

  it('measures 0 when the cluster saw the node lost before the injection was verified', () => {
    const t = powerOff().node(1200, 'host1', { online: false });
    expect(detectedWithin(t.events(), t.window(), { host: 'host1', targetMs: 30_000 })).toMatchObject({
      status: 'pass',
      measuredMs: 0,
    });
  });

  it('is inconclusive for a node seen lost over the target right after a watcher gap', () => {
    const t = powerOff()
      .reachability(2000, 'pacemaker', false, 'no node answered crm_mon')
      .reachability(50_000, 'pacemaker', true)
      .node(50_000, 'host1', { online: false, unclean: true });
    const v = detectedWithin(t.events(), t.window(), { host: 'host1', targetMs: 30_000 });
    expect(v).toMatchObject({ status: 'inconclusive', measuredMs: 48_500 });
    expect(v.reason).toContain('so the cluster may have known earlier');
  });

  it('fails when the node stayed online while the watcher read the cluster', () => {
    const v = detectedWithin(powerOff().events(), powerOff().window(), { host: 'host1', targetMs: 30_000 });
    expect(v.status).toBe('fail');
  });

  describe('inconclusive', () => {
    it('when no watcher saw the node before the fault', () => {
      const t = new TimelineBuilder()
        .faultStep({
          name: 'host-power-off',
          targets: ['host1'],
          startMs: 1000,
          verifiedMs: 1500,
          endMs: 120_000,
        })
        .node(9000, 'host1', { online: false });
      expect(detectedWithin(t.events(), t.window(), { host: 'host1', targetMs: 30_000 }).reason).toBe(
        "no watcher saw host1's state before the fault",
      );
    });

    it('when the node was already offline before the fault', () => {
      const t = new TimelineBuilder().node(0, 'host1', { online: false }).faultStep({
        name: 'host-power-off',
        targets: ['host1'],
        startMs: 1000,
        verifiedMs: 1500,
        endMs: 120_000,
      });
      const v = detectedWithin(t.events(), t.window(), { host: 'host1', targetMs: 30_000 });
      expect(v.status).toBe('inconclusive');
      expect(v.reason).toContain('already offline before the fault');
    });

    it('when the watcher lost the cluster during the step', () => {
      const t = powerOff().reachability(2000, 'pacemaker', false, 'no node answered crm_mon');
      expect(detectedWithin(t.events(), t.window(), { host: 'host1', targetMs: 30_000 }).status).toBe(
        'inconclusive',
      );
    });

    it('when the step ended before the target', () => {
      const v = detectedWithin(powerOff(10_000).events(), powerOff(10_000).window(), {
        host: 'host1',
        targetMs: 30_000,
      });
      expect(v.status).toBe('inconclusive');
    });

    it('when the injection never verified', () => {
      const t = new TimelineBuilder()
        .node(0, 'host1')
        .faultStep({ name: 'host-power-off', targets: ['host1'], startMs: 1000, endMs: 120_000 });
      expect(detectedWithin(t.events(), t.window(), { host: 'host1', targetMs: 30_000 }).status).toBe(
        'inconclusive',
      );
    });
  });
});
