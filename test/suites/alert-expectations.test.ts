import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { Redactor } from '../../core/redact.js';
import { RULE_GROUPS } from '../../dashboards/alerts/index.js';
import { YamlFileError } from '../../inventory/issues.js';
import { loadInventory } from '../../inventory/load.js';
import { checkSuiteAgainst, parseSuite, readSuite } from '../../suites/format/load-suite.js';
import { FAULT_REGISTRY } from '../../suites/format/registries.js';
import { resolveStep } from '../../suites/format/resolve-step.js';
import { seededRandom } from '../../suites/format/seeded-random.js';
import { EXPECTATION_REGISTRY } from '../../suites/runner/judge.js';
import { havoc } from '../cli/run.js';
import { tempDir } from '../support/temp-dir.js';

/*
 * alertFiredWithin in suite files: the receiver's address (alertWebhook: and
 * --alert-webhook), labels that name a step's selector, and the built-in
 * nightly's alerts checked against the alert rules havoc ships.
 */

const EXAMPLE = join(import.meta.dirname, '..', '..', 'examples', 'pacemaker-kvm.yaml');
const registries = { faults: FAULT_REGISTRY, expectations: EXPECTATION_REGISTRY };

/** The example inventory with an alert SLO (it sets none). */
function inventoryWithAlertSlo(): { file: string; inv: ReturnType<typeof loadInventory>['inventory'] } {
  const raw = parse(readFileSync(EXAMPLE, 'utf8'));
  raw.slos.defaults = { ...raw.slos.defaults, alertWithinSeconds: 150 };
  const file = join(tempDir('havoc-alert-inv-'), 'inv.yaml');
  writeFileSync(file, stringify(raw));
  return { file, inv: loadInventory(file, new Redactor()).inventory };
}

const SUITE = (extra = '') => `name: port-alert
${extra}steps:
  - name: storage port of node1 down
    select:
      host: {random: host, except: [node2, san]}
    fault: link-down
    targets: [$host]
    params: {port: {storagePortOf: $host}}
    hold: 10s
    expect:
      - alertFiredWithin: {alertname: HASwitchPortDown, labels: {host: $host, severity: critical}, targetMs: 90000}
`;

function problems(text: string): string[] {
  const file = join(tempDir('havoc-alert-suite-'), 'suite.yaml');
  writeFileSync(file, text);
  try {
    checkSuiteAgainst(parseSuite(file, text), inventoryWithAlertSlo().inv, registries);
  } catch (err) {
    if (err instanceof YamlFileError)
      return err.message
        .split('\n')
        .slice(1)
        .map((l) => l.trim().replace(`${file}:`, 'FILE:'));
    throw err;
  }
  return [];
}

describe('alertFiredWithin in suite files', () => {
  it("resolves an alert's labels that name the step's selectors", () => {
    const { inv } = inventoryWithAlertSlo();
    const step = parseSuite('x.yaml', SUITE()).suite.steps[0]!;
    const r = resolveStep(step, inv, { inventory: inv, placement: () => [], rng: seededRandom(1, 1, 1) });
    expect(r.expectations[0]!.params).toEqual({
      alertname: 'HASwitchPortDown',
      labels: { host: 'node1', severity: 'critical' },
      targetMs: 90_000,
    });
    expect(problems(SUITE())).toEqual([]);
  });

  it('takes alertWebhook: on loopback, and says where and why any other address is refused', () => {
    expect(problems(SUITE('alertWebhook: 127.0.0.1:9095\n'))).toEqual([]);
    expect(problems(SUITE('alertWebhook: "[::1]:9095"\n'))).toEqual([]);
    expect(problems(SUITE('alertWebhook: 0.0.0.0:9095\n'))).toEqual([
      'FILE:2:15: alertWebhook: 0.0.0.0 listens on every interface of this station; expected a loopback address (127.0.0.1:9095) or an address of this station',
    ]);
    expect(problems(SUITE('alertWebhook: 198.18.250.1:9095\n'))[0]).toMatch(
      /^FILE:2:15: alertWebhook: 198\.18\.250\.1 is not an address of this station \(it has .*127\.0\.0\.1.*\)/,
    );
    expect(problems(SUITE('alertWebhook: alertmanager.example:9095\n'))[0]).toMatch(
      /^FILE:2:15: alertWebhook: "alertmanager.example" is not an IP address/,
    );
    expect(problems(SUITE('alertWebhook: "9095"\n'))[0]).toBe(
      'FILE:2:15: alertWebhook: is not HOST:PORT, e.g. 127.0.0.1:9095; found the string "9095"',
    );
    expect(problems(SUITE('alertWebhook: 127.0.0.1:0\n'))[0]).toContain('port 0');
  });

  it('refuses --alert-webhook on a wildcard address with exit 2, before anything runs', async () => {
    const { file } = inventoryWithAlertSlo();
    const suite = join(tempDir('havoc-alert-cli-'), 'suite.yaml');
    writeFileSync(suite, SUITE());
    const r = await havoc(['-i', file, 'suite', 'validate', suite, '--alert-webhook', '0.0.0.0:9095']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      '--alert-webhook 0.0.0.0:9095: 0.0.0.0 listens on every interface of this station',
    );
    const ok = await havoc(['-i', file, 'suite', 'validate', suite, '--alert-webhook', '127.0.0.1:9095']);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
  });
});

describe('the built-in nightly and the alerts', () => {
  const alerts = new Map(RULE_GROUPS.flatMap((g) => g.alerts.map((a) => [a.alert, a] as const)));

  it('expects alerts only when the run has a receiver, and says so in its description', () => {
    const { inv } = inventoryWithAlertSlo();
    const without = readSuite('nightly', () => inv, FAULT_REGISTRY).suite;
    expect(
      without.steps
        .flatMap((s) => s.expect)
        .filter((e) => 'alertFiredWithin' in e || 'alertResolvedWithin' in e),
    ).toEqual([]);
    expect(without.description).toContain(
      'Without an Alertmanager webhook receiver (--alert-webhook HOST:PORT)',
    );
    const withAlerts = readSuite('nightly', () => inv, FAULT_REGISTRY, { alerts: true });
    expect(() => checkSuiteAgainst(withAlerts, inv, registries)).not.toThrow();
    const byFault = withAlerts.suite.steps.map(
      (s) =>
        `${s.fault}${s.params['daemon'] ? `(${s.params['daemon']})` : ''}: ${s.expect
          .filter((e) => 'alertFiredWithin' in e)
          .map((e) => String((e['alertFiredWithin'] as { alertname: string }).alertname))
          .join(',')}`,
    );
    expect(byFault).toEqual(
      expect.arrayContaining([
        'host-power-off: HostDown',
        'host-hang: HostDown',
        'host-crash: HostDown',
        'link-down: HASwitchPortDown',
        'storage-loss: ',
        // The example cluster runs corosync on two networks: one partitioned raises no alert (and no fence).
        'network-partition: ',
        'daemon-kill(corosync): HostDown',
        'daemon-kill(pacemakerd): ',
        'bmc-dead: BmcUnreachable',
        'live-migrate: ',
      ]),
    );
  });

  it('expects every alert it expects to fire to resolve too, with the same alertname and labels, its target from the default', () => {
    const { inv } = inventoryWithAlertSlo();
    const parsed = readSuite('nightly', () => inv, FAULT_REGISTRY, { alerts: true });
    const pairs = parsed.suite.steps.flatMap((s) => {
      const of = (name: string) =>
        s.expect.flatMap((e) => (name in e ? [JSON.stringify(e[name])] : [])).sort();
      return [{ step: s.name, fired: of('alertFiredWithin'), resolved: of('alertResolvedWithin') }];
    });
    expect(pairs.filter((p) => p.fired.length).length).toBeGreaterThan(5);
    for (const p of pairs) expect(p.resolved, p.step).toEqual(p.fired);
    // The example inventory sets no alertResolveWithinSeconds: the default (8 m) is the target.
    const step = parsed.suite.steps.find((s) => s.expect.some((e) => 'alertResolvedWithin' in e))!;
    const r = resolveStep(step, inv, {
      inventory: inv,
      placement: () => [inv.hosts[0]!.name],
      rng: seededRandom(1, 1, 1),
    });
    expect(r.expectations.find((e) => e.name === 'alertResolvedWithin')).toMatchObject({
      params: { targetMs: 480_000 },
      targetFrom: 'the default of alertResolvedWithin (slos.defaults.alertResolveWithinSeconds unset)',
    });
  });

  it('names only alerts havoc ships, with labels those alerts carry', () => {
    const { inv } = inventoryWithAlertSlo();
    const nightly = readSuite('nightly', () => inv, FAULT_REGISTRY, { alerts: true }).suite;
    const named = nightly.steps.flatMap((s) =>
      s.expect.flatMap((e) =>
        (['alertFiredWithin', 'alertResolvedWithin'] as const).flatMap((k) =>
          k in e ? [e[k] as { alertname: string; labels: object }] : [],
        ),
      ),
    );
    expect(named.length).toBeGreaterThan(5);
    for (const n of named) {
      const rule = alerts.get(n.alertname);
      expect(rule, n.alertname).toBeDefined();
      const carried = new Set(rule!.fires.flatMap((f) => Object.keys(f.labels)));
      for (const label of Object.keys(n.labels))
        expect(carried, `${n.alertname} label ${label}`).toContain(label);
    }
  });

  it('with a receiver but no alert SLO in the inventory, says where to set one', async () => {
    const r = await havoc([
      '-i',
      EXAMPLE,
      'suite',
      'validate',
      'nightly',
      '--alert-webhook',
      '127.0.0.1:9095',
    ]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(
      /builtin:nightly:\d+:\d+: steps\[0\]\.expect\[5\]\.alertFiredWithin: alertFiredWithin needs a target and the inventory sets none; expected set targetMs in the step, or slos\.defaults\.alertWithinSeconds or vms\[\]\.slo\.alertWithinSeconds in the inventory/,
    );
  });
});
