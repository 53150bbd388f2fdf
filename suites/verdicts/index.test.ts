import { describe, expect, it } from 'vitest';
import type { HavocError } from '../../core/errors.js';
import { BOOT_A, BOOT_B, TimelineBuilder } from '../../test/support/timeline-builder.js';
import { DEFAULT_RESOLVE_TARGET_MS } from './alert-resolved-within.js';
import { EXPECTATION_NAMES, EXPECTATIONS, judge, sloTarget, sloTargetMs } from './index.js';

describe('the expectation registry', () => {
  it('lists every expectation of the suite format, one checker file each', () => {
    expect([...EXPECTATION_NAMES].sort()).toEqual(
      [
        'alertFiredWithin',
        'alertResolvedWithin',
        'detectedWithin',
        'fencedWithin',
        'maxServiceDowntime',
        'migratedWithin',
        'noDataLoss',
        'noDoubleRun',
        'noMigration',
        'notFenced',
        'notRestarted',
        'restartedWithin',
        'steadyStateRestoredWithin',
        'writesResumedWithin',
      ].sort(),
    );
  });

  it('says when each verdict is final, as its checker decides it (what a step waits for)', () => {
    // A fault held 200 s, not reverted yet, nothing happening: a target from the injection has passed.
    const held = new TimelineBuilder()
      .faultStep({
        name: 'storage-loss',
        targets: ['host1'],
        startMs: 1000,
        verifiedMs: 1500,
        endMs: 201_500,
      })
      .probes('vm1', 0, 201_500, { bootId: BOOT_A, counter: 7, every: 1000 });
    const live = (name: string, params: Record<string, unknown>) =>
      judge(name, held.events(), held.window(), params).status;
    expect(EXPECTATIONS.restartedWithin.decides).toBe('target');
    expect(live('restartedWithin', { vm: 'vm1', targetMs: 60_000 })).toBe('fail');
    expect(EXPECTATIONS.steadyStateRestoredWithin.decides).toBe('revert');
    expect(live('steadyStateRestoredWithin', { targetMs: 60_000 })).toBe('inconclusive');
    expect(EXPECTATIONS.writesResumedWithin.decides).toBe('revert');
    expect(live('writesResumedWithin', { vm: 'vm1', targetMs: 60_000 })).toBe('inconclusive');
    expect(EXPECTATIONS.notFenced.decides).toBe('step');
  });

  it('refuses a misspelt parameter and a missing one (strict schemas)', () => {
    const r = EXPECTATIONS.restartedWithin.params.safeParse({ vm: 'vm1', targetMS: 1000 });
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.code)).toEqual(
      expect.arrayContaining(['unrecognized_keys', 'invalid_type']),
    );
  });

  it('judges by name, validating the parameters first', () => {
    const t = new TimelineBuilder()
      .faultStep({
        name: 'host-power-off',
        targets: ['host1'],
        startMs: 1000,
        verifiedMs: 1500,
        endMs: 30_000,
      })
      .probes('vm1', 0, 1000, { bootId: BOOT_A })
      .probes('vm1', 5000, 30_000, { bootId: BOOT_B, every: 100 });
    expect(judge('restartedWithin', t.events(), t.window(), { vm: 'vm1', targetMs: 60_000 })).toMatchObject({
      expectation: 'restartedWithin',
      status: 'pass',
      measuredMs: 3500,
    });
    const unknown = (() => {
      try {
        judge('restartedWhenever', t.events(), t.window(), {});
      } catch (err) {
        return err as HavocError;
      }
    })();
    expect(unknown?.describe()).toMatch(/^no expectation "restartedWhenever": one of restartedWithin, /);
    expect(() => judge('noDataLoss', t.events(), t.window(), { vm: 'vm1', host: 'h' })).toThrow(
      /noDataLoss: /,
    );
  });

  it("takes a target from the VM's SLOs, then the defaults, in ms", () => {
    const defaults = { restartWithinSeconds: 120, migrationDowntimeMs: 500 };
    expect(sloTargetMs('restartedWithin', { vm: { restartWithinSeconds: 60 }, defaults })).toBe(60_000);
    expect(sloTargetMs('restartedWithin', { defaults })).toBe(120_000);
    expect(sloTargetMs('maxServiceDowntime', { defaults })).toBe(500);
    expect(sloTargetMs('fencedWithin', { defaults })).toBeUndefined();
    expect(sloTargetMs('noDataLoss', { defaults })).toBeUndefined();
  });

  it("gives alertResolvedWithin the inventory's alertResolveWithinSeconds, else its own default, and says which", () => {
    expect(sloTarget('alertResolvedWithin', { defaults: { alertResolveWithinSeconds: 90 } })).toEqual({
      ms: 90_000,
      from: 'slos.defaults.alertResolveWithinSeconds',
    });
    expect(sloTarget('alertResolvedWithin', { defaults: {} })).toEqual({
      ms: DEFAULT_RESOLVE_TARGET_MS,
      from: 'the default of alertResolvedWithin (slos.defaults.alertResolveWithinSeconds unset)',
    });
    // alertFiredWithin has no default: validation asks for alertWithinSeconds.
    expect(sloTarget('alertFiredWithin', { defaults: {} })).toBeUndefined();
  });
});
