import { describe, expect, it } from 'vitest';
import { TimelineBuilder } from '../../test/support/timeline-builder.js';
import { notFenced } from './not-fenced.js';

/** pacemakerd killed on host1: the node must not be fenced. */
const kill = () =>
  new TimelineBuilder()
    .reachability(0, 'pacemaker', true)
    .node(0, 'host1')
    .faultStep({ name: 'daemon-kill', targets: ['host1'], startMs: 1000, verifiedMs: 1100, endMs: 60_000 });

describe('notFenced', () => {
  it('passes with no fence of the host while the watcher read the cluster', () => {
    const t = kill().node(3000, 'host1', { pending: true }).node(8000, 'host1');
    const v = notFenced(t.events(), t.window(), { host: 'host1' });
    expect(v.status).toBe('pass');
    expect(v.evidence).toEqual(
      expect.arrayContaining([
        t.lineOf((r) => r.kind === 'watch' && r.event === 'reachability'),
        t.lineOf((r) => r.kind === 'watch' && r.fields?.pending === true),
      ]),
    );
  });

  it('fails on a fence of any outcome: a failed attempt is a decision to fence', () => {
    for (const status of ['success', 'failed', 'pending'] as const) {
      const t = kill().fence(20_000, 'host1', status);
      const v = notFenced(t.events(), t.window(), { host: 'host1' });
      expect(v.status).toBe('fail');
      expect(v.reason).toBe(`host1 was fenced (reboot, ${status}) 18.900 s after the injection`);
    }
  });

  it("passes despite another host's fence", () => {
    const t = kill().fence(20_000, 'host2', 'success');
    expect(notFenced(t.events(), t.window(), { host: 'host1' }).status).toBe('pass');
  });

  describe('inconclusive', () => {
    it('when the watcher could not read the cluster for part of the step', () => {
      const t = kill().reachability(5000, 'pacemaker', false).reachability(9000, 'pacemaker', true);
      expect(notFenced(t.events(), t.window(), { host: 'host1' }).status).toBe('inconclusive');
    });

    it('when the watcher was already cut off when the step began', () => {
      const t = new TimelineBuilder().reachability(0, 'pacemaker', false, 'no node answered').faultStep({
        name: 'daemon-kill',
        targets: ['host1'],
        startMs: 1000,
        verifiedMs: 1100,
        endMs: 60_000,
      });
      const v = notFenced(t.events(), t.window(), { host: 'host1' });
      expect(v.status).toBe('inconclusive');
      expect(v.reason).toContain('no node answered');
    });

    it('when no Pacemaker watcher ran', () => {
      const t = new TimelineBuilder().faultStep({
        name: 'daemon-kill',
        targets: ['host1'],
        startMs: 1000,
        verifiedMs: 1100,
        endMs: 60_000,
      });
      expect(notFenced(t.events(), t.window(), { host: 'host1' }).reason).toContain('no pacemaker watcher');
    });

    it('when the injection never verified', () => {
      const t = new TimelineBuilder()
        .reachability(0, 'pacemaker', true)
        .faultStep({ name: 'daemon-kill', targets: ['host1'], startMs: 1000, endMs: 60_000 });
      expect(notFenced(t.events(), t.window(), { host: 'host1' }).status).toBe('inconclusive');
    });
  });
});
