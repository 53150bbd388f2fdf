import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { Redactor } from '../../core/redact.js';
import { parseInventory } from '../../inventory/load.js';
import type { Inventory } from '../../inventory/schema.js';
import { LAB_SLOS } from '../../lab/ha/ha-inventory.js';
import { readSuite } from '../../suites/format/load-suite.js';
import { FAULT_REGISTRY } from '../../suites/format/registries.js';
import { resolveStep } from '../../suites/format/resolve-step.js';
import { seededRandom } from '../../suites/format/seeded-random.js';
import { EXPECTATION_REGISTRY } from '../../suites/runner/judge.js';
import { durationMs } from '../../suites/runner/step.js';
import { DECISION_GRACE_MS, planWatch, type WatchPlan } from '../../suites/runner/watch-plan.js';

/*
 * How long each step of the derived nightly holds its fault and waits after
 * the revert, planned from when each expectation is decided (Decides in
 * suites/verdicts). The first nightly on the lab held its two storage steps
 * 255 s: steadyStateRestoredWithin (240 s, measured from the revert) was
 * waited for with the fault held, where it can only be inconclusive.
 */

const EXAMPLE = join(import.meta.dirname, '..', '..', 'examples', 'pacemaker-kvm.yaml');

/** The example inventory with the HA lab's SLOs and, as in the lab, one storage link per host. */
function labLike(): Inventory {
  const raw = parse(readFileSync(EXAMPLE, 'utf8'));
  raw.slos = { defaults: LAB_SLOS };
  for (const h of raw.hosts)
    for (const b of h.bonds ?? []) if (b.networks.includes('storage')) b.slaves = b.slaves.slice(0, 1);
  return parseInventory('lab-like.yaml', stringify(raw), new Redactor()).inventory;
}

function plans(inv: Inventory, alerts = false): Map<string, WatchPlan & { names: string[] }> {
  const suite = readSuite('nightly', () => inv, FAULT_REGISTRY, { alerts }).suite;
  const home = (vm: string) => [inv.vms.find((v) => v.name === vm)!.homeHost!];
  return new Map(
    suite.steps.map((s, i) => {
      const r = resolveStep(s, inv, { inventory: inv, placement: home, rng: seededRandom(1, 1, i) });
      const expectations = r.expectations.map((e) => ({ name: e.name, params: e.params }));
      const plan = planWatch(expectations, durationMs(s.hold, 'hold'), EXPECTATION_REGISTRY, alerts);
      return [s.name, { ...plan, names: expectations.map((e) => e.name) }];
    }),
  );
}

const names = (p: WatchPlan, k: 'whileHeld' | 'afterRevert') => p[k].map((e) => e.name);
const find = (m: Map<string, WatchPlan & { names: string[] }>, part: string) =>
  [...m.entries()].find(([name]) => name.includes(part))?.[1];

describe('nightly on a single storage link (the lab): the storage steps', () => {
  it('hold the fault for their hold only, and wait after the revert for the writes and the steady state', () => {
    const m = plans(labLike());
    for (const part of ['(a single link: storage loss)', 'storage loss of the host running']) {
      const p = find(m, part);
      expect(p, part).toBeDefined();
      expect(p!.names).toEqual([
        'noDoubleRun',
        'noDataLoss',
        'writesResumedWithin',
        'steadyStateRestoredWithin',
      ]);
      expect(names(p!, 'whileHeld')).toEqual([]);
      expect(p!.watchMs).toBe(20_000);
      expect(names(p!, 'afterRevert')).toEqual(['writesResumedWithin', 'steadyStateRestoredWithin']);
      expect(p!.afterRevertMs).toBe(LAB_SLOS.steadyStateWithinSeconds * 1000 + DECISION_GRACE_MS);
    }
  });

  it('the storage port step waits for its alert with the fault held when the run has a receiver', () => {
    const p = find(plans(labLike(), true), '(a single link: storage loss)')!;
    expect(names(p, 'whileHeld')).toEqual(['alertFiredWithin']);
    expect(p.watchMs).toBe(LAB_SLOS.alertWithinSeconds * 1000 + DECISION_GRACE_MS);
  });
});

describe('nightly: what holds each step open', () => {
  it('a failover waits for its targets from the injection, never for what is judged over the whole step', () => {
    const p = find(plans(labLike()), 'power-off of the host running db01')!;
    expect(names(p, 'whileHeld')).toEqual(['detectedWithin', 'fencedWithin', 'restartedWithin']);
    expect(p.watchMs).toBe(LAB_SLOS.restartWithinSeconds * 1000 + DECISION_GRACE_MS);
    expect(p.afterRevert).toEqual([]);
  });

  it('the heartbeat partition with two corosync links: nothing but its hold keeps the fault (no fence, no outage over the step)', () => {
    const p = find(plans(labLike()), 'heartbeat partition')!;
    expect(p.names).toEqual(['notFenced', 'maxServiceDowntime', 'noDoubleRun', 'noDataLoss']);
    expect(p.whileHeld).toEqual([]);
    expect(p.watchMs).toBe(30_000);
  });

  it('no step of the derived nightly waits with its fault held for an expectation measured from the revert', () => {
    for (const [name, p] of plans(labLike(), true)) {
      expect(names(p, 'whileHeld'), name).not.toContain('steadyStateRestoredWithin');
      expect(names(p, 'whileHeld'), name).not.toContain('writesResumedWithin');
    }
  });
});
