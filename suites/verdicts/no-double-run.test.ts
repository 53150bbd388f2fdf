import { describe, expect, it } from 'vitest';
import { BOOT_A, BOOT_B, TimelineBuilder } from '../../test/support/timeline-builder.js';
import { noDoubleRun } from './no-double-run.js';

const powerOff = () =>
  new TimelineBuilder()
    .reachability(0, 'pacemaker', true)
    .placement(0, 'vm1', ['host1'])
    .faultStep({
      name: 'host-power-off',
      targets: ['host1'],
      startMs: 1000,
      verifiedMs: 1500,
      endMs: 30_000,
    });

describe('noDoubleRun', () => {
  it('passes one host at a time and one boot id at a time, citing both kinds of evidence', () => {
    const t = powerOff()
      .placement(10_000, 'vm1', [])
      .placement(19_000, 'vm1', ['host2'])
      .probes('vm1', 0, 1000, { bootId: BOOT_A, every: 100 })
      .probes('vm1', 20_000, 30_000, { bootId: BOOT_B, every: 100 });
    const v = noDoubleRun(t.events(), t.window(), { vm: 'vm1' });
    expect(v.status).toBe('pass');
    expect(v.reason).toContain('at most one host in 3 placement record(s)');
    expect(v.reason).toContain('one boot id at a time in 100 probe answer(s)');
  });

  it('fails a placement record with two hosts', () => {
    const t = powerOff().placement(5000, 'vm1', ['host1', 'host2']);
    const v = noDoubleRun(t.events(), t.window(), { vm: 'vm1' });
    expect(v.status).toBe('fail');
    expect(v.reason).toContain('active on host1 and host2 at once');
    expect(v.evidence).toContain(
      t.lineOf((r) => r.kind === 'watch' && (r.fields?.hosts as string[])?.length === 2),
    );
  });

  it('fails an older boot id answering after a newer one had (measure.ts overlaps), on folded records too', () => {
    const t = powerOff().fold('vm1', 1000, 2000, { bootId: BOOT_A }).probe(1200, 'vm1', { bootId: BOOT_B });
    const v = noDoubleRun(t.events(), t.window(), { vm: 'vm1' });
    expect(v.status).toBe('fail');
    expect(v.reason).toBe(
      `boot id ${BOOT_A} answered a request sent after ${BOOT_B} had answered: vm1 ran twice`,
    );
  });

  it('passes on the probe alone when the placement watcher had a gap, and says so', () => {
    const t = powerOff()
      .reachability(5000, 'pacemaker', false, 'no node answered')
      .probes('vm1', 1500, 30_000, { bootId: BOOT_A, every: 500 });
    const v = noDoubleRun(t.events(), t.window(), { vm: 'vm1' });
    expect(v.status).toBe('pass');
    expect(v.reason).toContain('placement not judged');
    expect(v.reason).toContain('no node answered');
  });

  describe('inconclusive', () => {
    it('when nothing watched the VM: no placement records and no probe answer after the injection', () => {
      const t = new TimelineBuilder()
        .faultStep({
          name: 'host-power-off',
          targets: ['host1'],
          startMs: 1000,
          verifiedMs: 1500,
          endMs: 30_000,
        })
        .probes('vm1', 0, 1000, { bootId: BOOT_A })
        .probes('vm1', 1000, 30_000, { ok: false, every: 100 });
      const v = noDoubleRun(t.events(), t.window(), { vm: 'vm1' });
      expect(v.status).toBe('inconclusive');
      expect(v.reason).toContain('nothing watched vm1 during the step');
    });

    it('when the placement watcher had a gap and the probe did not answer', () => {
      const t = powerOff().reachability(5000, 'pacemaker', false, 'no node answered');
      const v = noDoubleRun(t.events(), t.window(), { vm: 'vm1' });
      expect(v.status).toBe('inconclusive');
      expect(v.reason).toContain('the pacemaker watcher could not read the cluster');
    });

    it('when the injection never verified', () => {
      const t = new TimelineBuilder()
        .placement(0, 'vm1', ['host1'])
        .faultStep({ name: 'host-power-off', targets: ['host1'], startMs: 1000, endMs: 30_000 });
      expect(noDoubleRun(t.events(), t.window(), { vm: 'vm1' }).status).toBe('inconclusive');
    });
  });
});

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

// A standby as the nightly on the lab showed it: Pacemaker live-migrates vm1 off host1, and back after the
// unstandby (the revert), listing it on both nodes while each migration runs.
function standby(twiceAtMs: number) {
  const t = new TimelineBuilder();
  t.placement(0, 'vm1', ['host1']);
  t.probes('vm1', 0, 60_000, { bootId: BOOT_A, every: 100 });
  t.actionStep({ action: 'host-standby', targets: ['host1'], startMs: 1_000, doneMs: 9_000, endMs: 60_000 });
  t.ledger(30_000, 'a1', 'reverting', { name: 'host-standby', targets: ['host1'] });
  t.ledger(34_000, 'a1', 'reverted', { name: 'host-standby', targets: ['host1'] });
  t.placement(twiceAtMs, 'vm1', ['host1', 'host3'], { role: 'Started' });
  t.placement(twiceAtMs + 500, 'vm1', ['host3']);
  return t;
}

describe('noDoubleRun across the migrations of a standby', () => {
  it('two hosts while the standby evacuates the host, or while its revert brings the VM home, are migrations', () => {
    for (const at of [5_000, 32_000]) {
      const v = noDoubleRun(standby(at).events(), standby(at).window(), { vm: 'vm1' });
      expect(v.status, `two hosts at ${at} ms`).toBe('pass');
    }
  });

  it('two hosts between the evacuation and the revert, or long after, are a double run', () => {
    for (const at of [20_000, 50_000]) {
      const v = noDoubleRun(standby(at).events(), standby(at).window(), { vm: 'vm1' });
      expect(v.status, `two hosts at ${at} ms`).toBe('fail');
      expect(v.reason).toMatch(/active on host1 and host3 at once/);
    }
  });
});
