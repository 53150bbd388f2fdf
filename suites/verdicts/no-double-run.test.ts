import { describe, expect, it } from 'vitest';
import { BOOT_A, TimelineBuilder } from '../../test/support/timeline-builder.js';
import { noDoubleRun } from './no-double-run.js';

// A live migration as the lab's Pacemaker showed it: vm2 active on the source and the target while it moved.
function migration(twiceAtMs: number) {
  const t = new TimelineBuilder();
  t.placement(0, 'vm2', ['host2']);
  t.probes('vm2', 0, 30_000, { bootId: BOOT_A, every: 100 });
  t.actionStep({
    action: 'live-migrate',
    targets: ['host1', 'host2'],
    startMs: 1_000,
    doneMs: 9_000,
    endMs: 30_000,
  });
  t.placement(twiceAtMs, 'vm2', ['host1', 'host2'], { role: 'Started' });
  t.placement(twiceAtMs + 500, 'vm2', ['host1']);
  return t;
}

describe('noDoubleRun across a live migration', () => {
  it('two hosts inside the step own migration are the migration, not a double run', () => {
    const t = migration(5_000);
    const v = noDoubleRun(t.events(), t.window(), { vm: 'vm2' });
    expect(v.status).toBe('pass');
  });

  it('two hosts long after the migration was done are a double run', () => {
    const t = migration(25_000);
    const v = noDoubleRun(t.events(), t.window(), { vm: 'vm2' });
    expect(v.status).toBe('fail');
    expect(v.reason).toMatch(/active on host1 and host2 at once/);
  });
});
