import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { Redactor } from '../../core/redact.js';
import { YamlFileError } from '../../inventory/issues.js';
import { loadInventory } from '../../inventory/load.js';
import { checkSuiteAgainst, parseSuite, readSuite } from '../../suites/format/load-suite.js';
import { FAULT_REGISTRY } from '../../suites/format/registries.js';
import { resolveStep } from '../../suites/format/resolve-step.js';
import { seededRandom } from '../../suites/format/seeded-random.js';
import { EXPECTATION_REGISTRY } from '../../suites/runner/judge.js';
import { havoc } from '../cli/run.js';
import { tempDir } from '../support/temp-dir.js';

const EXAMPLE = join(import.meta.dirname, '..', '..', 'examples', 'pacemaker-kvm.yaml');
const inv = () => loadInventory(EXAMPLE, new Redactor()).inventory;
const registries = { faults: FAULT_REGISTRY, expectations: EXPECTATION_REGISTRY };

let dir: string;
beforeEach(() => {
  dir = tempDir('havoc-suite-format-');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const GOOD = `name: failover
description: power-off of the host running db01
steps:
  - name: power-off
    select:
      host: {runningVm: db01}
    fault: host-power-off
    targets: [$host]
    hold: 20s
    expect:
      - fencedWithin: {host: $host}
      - restartedWithin: {vm: db01}
      - noDoubleRun: {vm: db01}
`;

function problems(text: string, inventory = inv()): string[] {
  const file = join(dir, 'suite.yaml');
  writeFileSync(file, text);
  try {
    const p = parseSuite(file, readFileSync(file, 'utf8'));
    checkSuiteAgainst(p, inventory, registries);
  } catch (err) {
    if (err instanceof YamlFileError)
      return err.message
        .split('\n')
        .slice(1)
        .map((l) => l.trim());
    throw err;
  }
  return [];
}

describe('suite files', () => {
  it('a valid suite has no problems and its targets come from the inventory SLOs (the VM own first)', () => {
    expect(problems(GOOD)).toEqual([]);
    const { suite } = parseSuite('x.yaml', GOOD);
    const r = resolveStep(suite.steps[0]!, inv(), {
      inventory: inv(),
      placement: () => ['node1'],
      rng: seededRandom(1, 1, 1),
    });
    expect(r.targets).toEqual(['node1']);
    expect(r.selections).toEqual({ 'select.host': 'the host running db01 -> node1' });
    const [fenced, restarted, double] = r.expectations;
    expect(fenced!.params).toEqual({ host: 'node1', targetMs: 30_000 }); // slos.defaults.fenceWithinSeconds
    expect(restarted!.params).toEqual({ vm: 'db01', targetMs: 120_000 }); // vms.db01.slo beats the default 90 s
    expect(double!.params).toEqual({ vm: 'db01' });
  });

  it('a step that sets targetMs overrides the inventory', () => {
    const { suite } = parseSuite(
      'x.yaml',
      GOOD.replace('{vm: db01}\n      - noDouble', '{vm: db01, targetMs: 5000}\n      - noDouble'),
    );
    const r = resolveStep(suite.steps[0]!, inv(), {
      inventory: inv(),
      placement: () => ['node2'],
      rng: seededRandom(1, 1, 1),
    });
    expect(r.expectations[1]!.params).toEqual({ vm: 'db01', targetMs: 5000 });
  });

  it('a typo in a key is an error with file:line:column and the YAML path', () => {
    expect(problems(GOOD.replace('    fault: host-power-off', '    fualt: host-power-off'))).toEqual([
      expect.stringMatching(/suite\.yaml:4:5: steps\[0\]\.fault: is required but missing/),
      expect.stringMatching(/suite\.yaml:7:5: steps\[0\]\.fualt: unknown key "fualt"/),
    ]);
  });

  it('an unknown fault, expectation, parameter, VM and steady-state check are each located', () => {
    const text = GOOD.replace('fault: host-power-off', 'fault: host-power-of')
      .replace('- fencedWithin: {host: $host}', '- fencedWithn: {host: $host}')
      .replace('- noDoubleRun: {vm: db01}', '- noDoubleRun: {vmm: db01}')
      .replace('{runningVm: db01}', '{runningVm: db99}')
      .replace('steps:', 'steadyState:\n  checks: [nodesOnline, fencingReddy]\nsteps:');
    const found = problems(text);
    expect(found).toContain(
      `${join(dir, 'suite.yaml')}:4:25: steadyState.checks[1]: unknown steady-state check "fencingReddy"; expected one of nodesOnline, haVmsRunning, haVmsAnswering, noFailedResources, fencingReady, ledgerEmpty`,
    );
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /suite\.yaml:9:12: steps\[0\]\.fault: unknown fault or action "host-power-of"; expected one of network-partition, host-power-off,/,
        ),
      ]),
    );
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /suite\.yaml:13:9: steps\[0\]\.expect\[0\]\.fencedWithn: unknown expectation "fencedWithn"; expected one of restartedWithin,/,
        ),
      ]),
    );
    expect(found).toHaveLength(4);
    expect(found).toContain(
      `${join(dir, 'suite.yaml')}:8:13: steps[0].select.host: no VM "db99" in the inventory: one of db01, web01, batch01`,
    );
  });

  it('a step may hold faults while its own runs (while): resolved with the same selectors, each fault located', () => {
    const withDeadBmc = GOOD.replace(
      '    fault: host-power-off\n',
      '    while:\n      - fault: bmc-dead\n        targets: [$host]\n    fault: host-hang\n',
    );
    expect(problems(withDeadBmc)).toEqual([]);
    const { suite } = parseSuite('x.yaml', withDeadBmc);
    const r = resolveStep(suite.steps[0]!, inv(), {
      inventory: inv(),
      placement: () => ['node2'],
      rng: seededRandom(1, 1, 1),
    });
    expect(r.conditions).toEqual([{ fault: 'bmc-dead', targets: ['node2'], options: {} }]);
    expect(r.targets).toEqual(['node2']);
    const drawn = GOOD.replace(
      '    fault: host-power-off\n',
      '    while:\n      - fault: bmc-dead\n        targets: [{random: host, except: [$host]}]\n    fault: host-hang\n',
    );
    const d = resolveStep(parseSuite('x.yaml', drawn).suite.steps[0]!, inv(), {
      inventory: inv(),
      placement: () => ['node2'],
      rng: seededRandom(1, 1, 1),
    });
    expect(d.selections['while[0].targets[0]']).toMatch(/^a random host .*-> node[13]$/);
    const typo = GOOD.replace(
      '    fault: host-power-off\n',
      '    while:\n      - fault: bmc-ded\n        targets: [$host]\n    fault: host-hang\n',
    );
    expect(problems(typo)).toEqual([
      expect.stringMatching(
        /suite\.yaml:8:16: steps\[0\]\.while\[0\]\.fault: unknown fault or action "bmc-ded"; expected one of /,
      ),
    ]);
    const noHost = GOOD.replace(
      '    fault: host-power-off\n',
      '    while:\n      - fault: bmc-dead\n        targets: [node9]\n    fault: host-hang\n',
    );
    expect(problems(noHost)).toEqual([expect.stringMatching(/steps\[0\]\.while\[0\]\.targets: .*node9/)]);
  });

  it('an expectation parameter the checker does not take is located at the parameter', () => {
    const found = problems(
      GOOD.replace('- noDoubleRun: {vm: db01}', '- noDoubleRun: {vm: db01, withinMs: 3}'),
    );
    expect(found).toEqual([
      expect.stringMatching(
        /suite\.yaml:13:33: steps\[0\]\.expect\[2\]\.noDoubleRun\.withinMs: unknown key "withinMs"/,
      ),
    ]);
  });

  it('an expectation with no target and no inventory SLO says where to set one', () => {
    const without = inv();
    without.slos.defaults = { ...without.slos.defaults, steadyStateWithinSeconds: undefined };
    const found = problems(
      GOOD.replace('- noDoubleRun: {vm: db01}', '- steadyStateRestoredWithin: {}'),
      without,
    );
    expect(found).toEqual([
      expect.stringMatching(
        /steps\[0\]\.expect\[2\]\.steadyStateRestoredWithin: steadyStateRestoredWithin needs a target and the inventory sets none; expected set targetMs in the step, or slos\.defaults\.steadyStateWithinSeconds/,
      ),
    ]);
  });

  it("the fault's own command-line parser judges the parameters (link-down without a network or port)", () => {
    const found = problems(GOOD.replace('fault: host-power-off', 'fault: link-down'));
    expect(found).toEqual([
      expect.stringMatching(
        /steps\[0\]\.targets: link-down: link-down needs exactly one of -p network=NAME and -p port=NAME/,
      ),
    ]);
  });

  it('selectors draw with the seed: the same seed replays, and storagePortOf sets the switch beside the port', () => {
    const text = `name: s
steps:
  - name: cut
    select:
      host: {random: host}
    fault: link-down
    targets: [$host]
    params: {port: {storagePortOf: $host}}
`;
    const { suite } = parseSuite('x.yaml', text);
    const draw = (seed: number, repeat: number) =>
      resolveStep(suite.steps[0]!, inv(), {
        inventory: inv(),
        placement: () => [],
        rng: seededRandom(seed, repeat, 1),
      });
    const a = draw(7, 1);
    expect(draw(7, 1)).toEqual(a);
    expect(['node1', 'node2', 'san']).toContain(a.targets[0]);
    const hosts = new Set(Array.from({ length: 20 }, (_, r) => draw(7, r + 1).targets[0]));
    expect(hosts.size).toBeGreaterThan(1);
    const node1 = resolveStep(
      parseSuite('x.yaml', text.replace('{random: host}', '{random: host, except: [node2, san]}')).suite
        .steps[0]!,
      inv(),
      { inventory: inv(), placement: () => [], rng: seededRandom(1, 1, 1) },
    );
    expect(node1.targets).toEqual(['node1']);
    expect(node1.options.switch).toMatch(/^sw-[ab]$/);
    expect(node1.options.port).toBeTruthy();
    expect(node1.selections['params.port']).toMatch(/^a storage port of node1 \(.+\) -> sw-[ab]\//);
  });

  it('the built-in suites are valid suite files for an inventory with every SLO', () => {
    const raw = parse(readFileSync(EXAMPLE, 'utf8'));
    raw.slos.defaults = { ...raw.slos.defaults, migrationWithinSeconds: 60, steadyStateWithinSeconds: 240 };
    const file = join(dir, 'inv.yaml');
    writeFileSync(file, stringify(raw));
    const full = loadInventory(file, new Redactor()).inventory;
    for (const name of ['smoke', 'nightly']) {
      const p = readSuite(name, () => full, FAULT_REGISTRY);
      expect(() => checkSuiteAgainst(p, full, registries), name).not.toThrow();
      expect(p.suite.steps.length).toBeGreaterThan(1);
    }
    const nightly = readSuite('nightly', () => full, FAULT_REGISTRY).suite;
    // Two-slave storage bonds in this inventory: one slave down must cause no fence and no outage.
    const bond = nightly.steps.find((s) => s.name.includes('storage bond slave'));
    expect(bond?.expect.map((e) => Object.keys(e)[0])).toEqual([
      'notFenced',
      'maxServiceDowntime',
      'noDataLoss',
    ]);
  });
});

describe('havoc suite validate / run on a bad file', () => {
  it('exits 3 with the located error, and a run of it injects nothing (no ledger written)', async () => {
    const file = join(dir, 'typo.yaml');
    writeFileSync(file, GOOD.replace('    hold: 20s', '    hodl: 20s'));
    const v = await havoc(['-i', EXAMPLE, 'suite', 'validate', file]);
    expect(v.code).toBe(3);
    expect(v.stderr).toContain(`${file}:9:5: steps[0].hodl: unknown key "hodl"`);
    const ledger = join(dir, 'ledger');
    const r = await havoc(['-i', EXAMPLE, 'suite', 'run', file, '--ledger', ledger]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`${file}:9:5: steps[0].hodl: unknown key "hodl"`);
    expect(existsSync(ledger)).toBe(false);
  });

  it('validates a good file (exit 0) and names an unknown built-in suite (exit 2)', async () => {
    const file = join(dir, 'good.yaml');
    writeFileSync(file, GOOD);
    const v = await havoc(['-i', EXAMPLE, 'suite', 'validate', file]);
    expect(v.stderr).toBe('');
    expect(v.code).toBe(0);
    expect(v.stdout).toContain('valid (1 step(s)');
    const u = await havoc(['-i', EXAMPLE, 'suite', 'run', 'smok']);
    expect(u.code).toBe(2);
    expect(u.stderr).toContain('no built-in suite "smok" and no such file: one of smoke, nightly');
  });
});
