import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { ClusterSnapshot } from '../../certify/run/cluster-snapshot.js';
import { finalStateLines } from '../../certify/run/final-state-lines.js';
import { migrationSuite } from '../../certify/run/migration-suite.js';
import { notRunLines, suiteLineId } from '../../certify/run/not-run-lines.js';
import { pacemakerLevelsOf } from '../../certify/run/pacemaker-levels.js';
import { stepSlug, suiteVerdictLines } from '../../certify/run/suite-lines.js';
import { Redactor } from '../../core/redact.js';
import { loadInventory } from '../../inventory/load.js';
import type { Inventory } from '../../inventory/schema.js';
import { parseCib } from '../../protocols/pacemaker/cib.js';
import { parseSuite, readSuite } from '../../suites/format/load-suite.js';
import { FAULT_REGISTRY } from '../../suites/format/registries.js';
import { judge } from '../../suites/verdicts/index.js';
import { syntheticRun } from '../support/suite-result-fixture.js';
import { tempDir } from '../support/temp-dir.js';
import { TimelineBuilder } from '../support/timeline-builder.js';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8');

const snapshot = (over: Partial<ClusterSnapshot> = {}): ClusterSnapshot => ({
  via: 'host1',
  nodes: { host1: 'online', host2: 'online' },
  placement: { vm1: ['host1'], vm2: ['host2'] },
  constraints: ['fence-host1-not-on-self (fence-host1 on host1, score -INFINITY)'],
  flags: { host1: [], host2: [] },
  ledger: [],
  ...over,
});

describe('the final state compared with the cluster as found', () => {
  it('the same cluster: every final line passes', () => {
    const lines = finalStateLines(snapshot(), snapshot(), []);
    expect(lines.map((l) => [l.id, l.status])).toEqual([
      ['final.nodes', 'pass'],
      ['final.placement', 'pass'],
      ['final.constraints', 'pass'],
      ['final.flags', 'pass'],
      ['final.ledger', 'pass'],
    ]);
  });

  it('a VM moved, a cli- constraint added, a node in standby, a fault left: each its own failing line, naming what changed', () => {
    const after = snapshot({
      placement: { vm1: ['host2'], vm2: ['host2'] },
      constraints: [...snapshot().constraints, 'cli-prefer-vm1 (vm1 on host2, score INFINITY)'],
      flags: { host1: ['standby'], host2: [] },
      ledger: ['run-1/2: BMC of host1 dead (intended)'],
    });
    const byId = Object.fromEntries(finalStateLines(snapshot(), after, []).map((l) => [l.id, l]));
    expect(byId['final.nodes']!.status).toBe('pass');
    expect(byId['final.placement']!.message).toBe('changed: vm1: host1 -> host2');
    expect(byId['final.constraints']!.message).toBe(
      'changed: added cli-prefer-vm1 (vm1 on host2, score INFINITY)',
    );
    expect(byId['final.flags']!.message).toBe('changed: host1: none -> standby');
    expect(byId['final.ledger']!.status).toBe('fail');
    expect(byId['final.ledger']!.message).toContain('run-1/2: BMC of host1 dead');
  });
});

describe("Pacemaker's fencing levels of a node", () => {
  it('the lab CIB (one fence_ipmilan device per node, no topology): one level, the device whose host list names the node', () => {
    const cib = parseCib(fixture('cibadmin-query.xml'));
    expect(cib.fencingLevels).toEqual([]);
    const l = pacemakerLevelsOf(cib, 'host1');
    expect(l.levels).toEqual([['fence-host1']]);
    expect(l.source).toContain('no fencing-topology for host1');
    expect(pacemakerLevelsOf(cib, 'host9').levels).toEqual([]);
  });

  it('a device naming its node in pcmk_host_map only fences that node', () => {
    const xml = fixture('cibadmin-query.xml').replace(
      '</resources>',
      '<primitive id="ports" class="stonith" type="fence_ifmib"><instance_attributes id="ports-ia">' +
        '<nvpair id="ports-map" name="pcmk_host_map" value="host2:sw-p3,sw-p4;host3:sw-p5"/></instance_attributes></primitive></resources>',
    );
    const cib = parseCib(xml);
    expect(pacemakerLevelsOf(cib, 'host1').levels).toEqual([['fence-host1']]);
    expect(pacemakerLevelsOf(cib, 'host2').levels).toEqual([['fence-host2', 'ports']]);
  });

  it('a fencing-topology: its levels by index, devices in order', () => {
    const xml = fixture('cibadmin-query.xml').replace(
      '</configuration>',
      '<fencing-topology><fencing-level id="l2" target="host1" index="2" devices="fence-host1-ports"/>' +
        '<fencing-level id="l1" target="host1" index="1" devices="fence-host1,fence-host1-pdu"/></fencing-topology></configuration>',
    );
    const l = pacemakerLevelsOf(parseCib(xml), 'host1');
    expect(l.levels).toEqual([['fence-host1', 'fence-host1-pdu'], ['fence-host1-ports']]);
    expect(l.source).toBe('fencing-topology: level 1 fence-host1+fence-host1-pdu, level 2 fence-host1-ports');
  });
});

describe('suite verdicts as certification lines', () => {
  it('one line per step and expectation, the worst status over the repeats, measured, target and the timeline lines quoted', () => {
    const { result, events } = syntheticRun({ repeats: 2 });
    result.timeline = '/cert/suite/run-x.jsonl';
    const lines = suiteVerdictLines(result, events, {
      section: 'suite',
      outDir: '/cert',
      idOf: (step, e) => `suite.smoke.${stepSlug(step)}.${e}`,
      titleOf: (step, e) => `${step}: ${e}`,
    });
    const ids = lines.map((l) => l.id);
    expect(new Set(ids).size).toBe(ids.length);
    const restarted = lines.find((l) => l.id.endsWith('.restartedWithin'))!;
    // The fixture's first repeat restarts vm2 too late.
    expect(restarted.status).toBe('fail');
    expect(restarted.target).toMatch(/^at most /);
    expect(restarted.evidence[0]!.file).toBe('suite/run-x.jsonl');
    expect(restarted.evidence[0]!.text).toMatch(/^\d+: \{"/);
    const verdicts = result.steps.flatMap((s) => s.verdicts);
    expect(lines.length).toBe(
      new Set(result.steps.flatMap((s) => s.verdicts.map((v) => `${s.name}/${v.expectation}`))).size,
    );
    expect(verdicts.length).toBeGreaterThan(lines.length);
  });
});

describe('alert lines of a suite run with a receiver', () => {
  const STEP = 'storage port of host2 down';
  const alertRun = () => {
    const t = new TimelineBuilder()
      .reachability(0, 'alertmanager', true)
      .faultStep({
        name: 'link-down',
        stepName: STEP,
        targets: ['host2'],
        startMs: 1000,
        verifiedMs: 2000,
        revertedMs: 100_000,
        steadyMs: 101_000,
        endMs: 110_000,
      })
      .alert(36_000, 'HASwitchPortDown', 'firing', { host: 'host2' }, 'fp7')
      .alert(103_500, 'HASwitchPortDown', 'resolved', { host: 'host2' }, 'fp7');
    const events = t.events();
    const p = { alertname: 'HASwitchPortDown', labels: { host: 'host2' } };
    const verdicts = [
      judge('alertFiredWithin', events, t.window(), { ...p, targetMs: 180_000 }),
      judge('alertResolvedWithin', events, t.window(), { ...p, targetMs: 480_000 }),
    ];
    const { result } = syntheticRun({ repeats: 1 });
    result.timeline = '/cert/suite/run-x.jsonl';
    const { error: _none, ...step } = result.steps[0]!;
    result.steps = [{ ...step, name: STEP, verdicts }];
    return { result, events };
  };

  it("a fired and a resolved line, the resolve line naming the alert's fire and resolve times and quoting both notifications", () => {
    const { result, events } = alertRun();
    const lines = suiteVerdictLines(result, events, {
      section: 'suite',
      outDir: '/cert',
      idOf: (step, e) => suiteLineId('nightly', step, e),
      titleOf: (step, e) => `${step}: ${e}`,
    });
    expect(lines.map((l) => l.id)).toEqual([
      'suite.nightly.storage-port-of-host2-down.alertFiredWithin',
      'suite.nightly.storage-port-of-host2-down.alertResolvedWithin',
    ]);
    const resolved = lines[1]!;
    expect(resolved).toMatchObject({
      status: 'pass',
      measured: 'HASwitchPortDown 3500 ms',
      target: 'at most 480.0 s',
    });
    expect(resolved.message).toContain('notified resolved 3.500 s after the revert');
    expect(resolved.message).toContain('fired 34.000 s after the injection at 2026-12-01T12:00:36.000Z');
    expect(resolved.message).toContain('resolved at 2026-12-01T12:01:43.500Z');
    const quoted = resolved.evidence[0]!.text!;
    expect(quoted).toMatch(
      /"status":"firing".*"wall":"2026-12-01T12:00:36.000Z"|"wall":"2026-12-01T12:00:36.000Z".*"status":"firing"/,
    );
    expect(quoted).toMatch(
      /"wall":"2026-12-01T12:01:43.500Z".*"status":"resolved"|"status":"resolved".*"wall":"2026-12-01T12:01:43.500Z"/,
    );
    expect(quoted).toContain('"state":"reverted"');
  });

  it('a run that did not happen names the resolve lines too (nightly with a receiver)', () => {
    const raw = parse(
      readFileSync(join(import.meta.dirname, '..', '..', 'examples', 'pacemaker-kvm.yaml'), 'utf8'),
    );
    raw.slos.defaults = { ...raw.slos.defaults, alertWithinSeconds: 150 };
    const file = join(tempDir('havoc-cert-alerts-'), 'inv.yaml');
    writeFileSync(file, stringify(raw));
    const loaded = loadInventory(file, new Redactor());
    const suite = readSuite('nightly', () => loaded.inventory, FAULT_REGISTRY, { alerts: true });
    const ids = notRunLines(loaded, suite, 'not run: --destructive not given').map((l) => l.id);
    const fired = ids.filter((id) => id.endsWith('.alertFiredWithin'));
    expect(fired.length).toBeGreaterThan(5);
    for (const id of fired) expect(ids).toContain(id.replace(/alertFiredWithin$/, 'alertResolvedWithin'));
  });
});

describe('the generated live-migration suite', () => {
  const inv = {
    vms: [
      { name: 'vm1', haPriority: 'restart' },
      { name: 'vm2', haPriority: 'restart' },
      { name: 'vm3', haPriority: 'restart' },
      { name: 'db', haPriority: 'never' },
    ],
  } as unknown as Inventory;

  it('a VM where it was found goes away and back; one moved by the fencing only back; one stopped is named', () => {
    const plan = migrationSuite(
      inv,
      { vm1: ['host1'], vm2: ['host3'], vm3: [] },
      { vm1: ['host1'], vm2: ['host2'], vm3: ['host1'] },
    );
    expect(plan.lineOf).toEqual({
      'live migration of vm1 from host1': 'migrate.vm1',
      'live migration of vm1 back to host1': 'migrate.vm1.back',
      'live migration of vm2 from host3 back to host2': 'migrate.vm2',
    });
    expect(plan.notRunning).toEqual(['vm3']);
    const parsed = parseSuite('generated.yaml', plan.yaml);
    expect(
      parsed.suite.steps.map((s) => [s.fault, s.params, s.expect.map((e) => Object.keys(e)[0])]),
    ).toEqual([
      ['live-migrate', { vm: 'vm1' }, ['maxServiceDowntime', 'migratedWithin']],
      ['live-migrate', { vm: 'vm1', to: 'host1' }, ['maxServiceDowntime', 'migratedWithin']],
      ['live-migrate', { vm: 'vm2', to: 'host2' }, ['maxServiceDowntime', 'migratedWithin']],
    ]);
  });
});
