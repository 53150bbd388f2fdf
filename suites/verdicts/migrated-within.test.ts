import { describe, expect, it } from 'vitest';
import { TimelineBuilder } from '../../test/support/timeline-builder.js';
import { migratedWithin } from './migrated-within.js';

function migration(opts: { doneMs?: number; failedMs?: number; endMs?: number; to?: string } = {}) {
  return new TimelineBuilder().placement(0, 'vm1', ['host1']).actionStep({
    action: 'live-migrate',
    targets: ['vm1'],
    startMs: 1000,
    ...(opts.doneMs === undefined && opts.failedMs !== undefined ? {} : { doneMs: opts.doneMs ?? 4500 }),
    ...(opts.failedMs === undefined ? {} : { failedMs: opts.failedMs }),
    ...(opts.to ? { detail: { to: opts.to } } : {}),
    endMs: opts.endMs ?? 10_000,
  });
}

describe('migratedWithin', () => {
  it("passes from the action's start to done, the VM placed on the action's destination", () => {
    const t = migration({ to: 'host2' }).placement(4400, 'vm1', ['host2']);
    const v = migratedWithin(t.events(), t.window(), { vm: 'vm1', targetMs: 10_000 });
    expect(v).toMatchObject({ status: 'pass', measuredMs: 3500, targetMs: 10_000 });
    expect(v.reason).toContain('runs on host2');
    expect(v.evidence).toEqual(
      expect.arrayContaining([
        t.lineOf((r) => r.kind === 'action' && r.phase === 'start'),
        t.lineOf((r) => r.kind === 'action' && r.phase === 'done'),
      ]),
    );
  });

  it("finds the VM's action by its done detail (actions target hosts) and reads the destination from it", () => {
    const t = new TimelineBuilder()
      .placement(0, 'vm1', ['host1'])
      .step(0, '1.1', 'start')
      .action(1000, 'live-migrate', 'a1', 'start', ['host2', 'host1'])
      .action(4000, 'live-migrate', 'a1', 'done', ['host2', 'host1'], {
        vm: 'vm1',
        from: 'host1',
        to: 'host2',
      })
      .step(4000, '1.1', 'injected', { faults: ['a1'] })
      .placement(4500, 'vm1', ['host3'])
      .step(5000, '1.1', 'end');
    const v = migratedWithin(t.events(), t.window(), { vm: 'vm1', targetMs: 10_000 });
    expect(v.status).toBe('fail');
    expect(v.reason).toContain('not the destination host2');
  });

  it('fails over the target', () => {
    const t = migration().placement(4400, 'vm1', ['host2']);
    expect(migratedWithin(t.events(), t.window(), { vm: 'vm1', targetMs: 2000 })).toMatchObject({
      status: 'fail',
      measuredMs: 3500,
    });
  });

  it('fails a VM placed elsewhere than the destination named in the step', () => {
    const t = migration().placement(4400, 'vm1', ['host3']);
    const v = migratedWithin(t.events(), t.window(), { vm: 'vm1', targetMs: 10_000, to: 'host2' });
    expect(v.status).toBe('fail');
    expect(v.reason).toContain('is on host3, not the destination host2');
  });

  it('fails when the placement never changed while the watcher read the cluster', () => {
    const t = migration().reachability(0, 'pacemaker', true);
    const v = migratedWithin(t.events(), t.window(), { vm: 'vm1', targetMs: 10_000 });
    expect(v.status).toBe('fail');
    expect(v.reason).toContain('placement never changed: still on host1');
  });

  it('fails a failed action, with its reason', () => {
    const t = new TimelineBuilder()
      .step(0, '1.1', 'start', { faults: ['a1'] })
      .action(1000, 'live-migrate', 'a1', 'start', ['vm1'])
      .action(2000, 'live-migrate', 'a1', 'failed', ['vm1'], { error: 'migration job: unexpectedly failed' })
      .step(3000, '1.1', 'end');
    const v = migratedWithin(t.events(), t.window(), { vm: 'vm1', targetMs: 10_000 });
    expect(v.status).toBe('fail');
    expect(v.reason).toBe('live-migrate a1 failed after 1.000 s: migration job: unexpectedly failed');
  });

  it('fails an action not done by the end of a step that lasted past the target', () => {
    const t = new TimelineBuilder()
      .step(0, '1.1', 'start', { faults: ['a1'] })
      .action(1000, 'live-migrate', 'a1', 'start', ['vm1'])
      .step(20_000, '1.1', 'end');
    expect(migratedWithin(t.events(), t.window(), { vm: 'vm1', targetMs: 10_000 }).status).toBe('fail');
  });

  describe('inconclusive', () => {
    it('when the step started no action', () => {
      const t = new TimelineBuilder().faultStep({
        name: 'link-down',
        targets: ['host1'],
        startMs: 0,
        verifiedMs: 10,
      });
      const v = migratedWithin(t.events(), t.window(), { vm: 'vm1', targetMs: 10_000 });
      expect(v).toMatchObject({ status: 'inconclusive', reason: 'step 1.1 started no action to time' });
    });

    it('when the step ended before the target with the action not done', () => {
      const t = new TimelineBuilder()
        .step(0, '1.1', 'start', { faults: ['a1'] })
        .action(1000, 'live-migrate', 'a1', 'start', ['vm1'])
        .step(3000, '1.1', 'end');
      expect(migratedWithin(t.events(), t.window(), { vm: 'vm1', targetMs: 10_000 }).status).toBe(
        'inconclusive',
      );
    });

    it('when the placement watcher could not read the cluster and no new placement was seen', () => {
      const t = migration()
        .reachability(0, 'pacemaker', true)
        .reachability(2000, 'pacemaker', false, 'crm_mon: Could not connect to the CIB');
      const v = migratedWithin(t.events(), t.window(), { vm: 'vm1', targetMs: 10_000 });
      expect(v).toMatchObject({ status: 'inconclusive', measuredMs: 3500 });
      expect(v.reason).toContain('Could not connect to the CIB');
    });
  });

  it('judges on the action alone when the timeline has no placement records', () => {
    const t = new TimelineBuilder().actionStep({
      action: 'live-migrate',
      targets: ['vm1'],
      startMs: 0,
      doneMs: 800,
    });
    const v = migratedWithin(t.events(), t.window(), { vm: 'vm1', targetMs: 10_000 });
    expect(v).toMatchObject({ status: 'pass', measuredMs: 800 });
    expect(v.reason).toContain('no placement records');
  });
});
