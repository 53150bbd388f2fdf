import { describe, expect, it } from 'vitest';
import { TimelineBuilder } from '../../test/support/timeline-builder.js';
import { noMigration } from './no-migration.js';

const kill = () =>
  new TimelineBuilder()
    .reachability(0, 'pacemaker', true)
    .placement(0, 'vm1', ['host1'])
    .faultStep({ name: 'daemon-kill', targets: ['host1'], startMs: 1000, verifiedMs: 1100, endMs: 60_000 });

describe('noMigration', () => {
  it('passes a placement unchanged through the step (a repeated record with the same hosts included)', () => {
    const t = kill().placement(5000, 'vm1', ['host1'], { role: 'Started', failed: true });
    const v = noMigration(t.events(), t.window(), { vm: 'vm1' });
    expect(v).toMatchObject({
      status: 'pass',
      reason: 'vm1 stayed on host1 from before the fault to the end of the step',
    });
  });

  it('fails a move to another host', () => {
    const t = kill().placement(5000, 'vm1', ['host2']);
    const v = noMigration(t.events(), t.window(), { vm: 'vm1' });
    expect(v.status).toBe('fail');
    expect(v.reason).toBe(
      'vm1 was on host1 before the fault and on host2 3.900 s after the injection (pacemaker)',
    );
  });

  it('fails a VM stopped during the step', () => {
    const t = kill().placement(5000, 'vm1', []);
    expect(noMigration(t.events(), t.window(), { vm: 'vm1' }).reason).toContain('and stopped');
  });

  describe('inconclusive', () => {
    it('when no placement was seen before the fault', () => {
      const t = new TimelineBuilder()
        .faultStep({
          name: 'daemon-kill',
          targets: ['host1'],
          startMs: 1000,
          verifiedMs: 1100,
          endMs: 60_000,
        })
        .placement(5000, 'vm1', ['host1']);
      expect(noMigration(t.events(), t.window(), { vm: 'vm1' }).reason).toBe(
        'no placement record of vm1 before the fault',
      );
    });

    it('when the watcher could not read the cluster during the step', () => {
      const t = kill().reachability(5000, 'pacemaker', false, 'no node answered');
      expect(noMigration(t.events(), t.window(), { vm: 'vm1' }).status).toBe('inconclusive');
    });

    it('when the injection never verified', () => {
      const t = new TimelineBuilder()
        .placement(0, 'vm1', ['host1'])
        .faultStep({ name: 'daemon-kill', targets: ['host1'], startMs: 1000, endMs: 60_000 });
      expect(noMigration(t.events(), t.window(), { vm: 'vm1' }).status).toBe('inconclusive');
    });
  });
});
