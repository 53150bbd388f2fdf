import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseDuration } from '../../core/duration.js';
import { exportAlertFiles } from '../../dashboards/alerts/export.js';
import { RULE_GROUPS } from '../../dashboards/alerts/index.js';
import { promtoolTests } from '../../dashboards/alerts/promtool-tests.js';
import { ruleFileName } from '../../dashboards/alerts/rule-files.js';
import { knownSeries } from '../../dashboards/metric-contract.js';
import { metricProblems } from '../../dashboards/metric-problems.js';
import { DEFAULT_RESOLVE_TARGET_MS } from '../../suites/verdicts/alert-resolved-within.js';
import { tempDir } from '../support/temp-dir.js';

/*
 * The alert rules against the real promtool and amtool (Debian packages
 * prometheus and prometheus-alertmanager): every generated rule file passes
 * `promtool check rules`, and every alert passes `promtool test rules` on the
 * cases it carries (fires on each bad form, with its labels and rendered
 * annotations; silent on the healthy series).
 */

const run = promisify(execFile);

async function tool(argv: string[], cwd?: string): Promise<{ code: number; out: string }> {
  const [file, ...args] = argv;
  try {
    const r = await run(file!, args, { cwd, maxBuffer: 16 << 20 });
    return { code: 0, out: r.stdout + r.stderr };
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stdout?: string; stderr?: string; code?: number | string };
    if (e.code === 'ENOENT')
      throw new Error(
        `${file} not found: install the Debian package ${file === 'amtool' ? 'prometheus-alertmanager' : 'prometheus'}`,
      );
    return { code: typeof e.code === 'number' ? e.code : 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

/** Every alert the issue (#12) asks for, by the name havoc gives it. */
const REQUIRED = [
  'HavocTargetDown',
  'HavocDataSourceDown',
  'HostDown',
  'BondDegraded',
  'BondLacpPartnerMismatch',
  'BondSlaveOutsideAggregator',
  'NicMtuMismatch',
  'HASwitchPortDown',
  'DrbdDisconnected',
  'DrbdDegraded',
  'DrbdSplitBrain',
  'DrbdOutOfSyncNotShrinking',
  'BmcUnreachable',
  'BmcAuthFailing',
  'FencingNotReady',
  'HACapacityLost',
  'VmPausedOnIoError',
  'VmStuck',
  'HaVmDown',
  'VmActiveOnTwoNodes',
  'PacemakerNodeOffline',
  'PacemakerNodeUnclean',
  'PacemakerNodePendingFence',
  'ClusterQuorumLost',
  'CorosyncLinkDown',
  'PacemakerStonithDisabled',
  'PacemakerFenceFailed',
  'PacemakerResourceFailed',
  'PacemakerFailCountNearThreshold',
  'PacemakerCliConstraintLeftBehind',
  'XenPoolHaDisabled',
  'XenPoolHaOvercommitted',
  'XenPoolHaPlanBelowFtt',
  'NightlySuiteFailed',
  'NightlySuiteStale',
];

const alerts = RULE_GROUPS.flatMap((g) => g.alerts);

describe('alert rules: shape', () => {
  it('has every alert of the issue, each name once', () => {
    const names = alerts.map((a) => a.alert);
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
    expect(REQUIRED.filter((n) => !names.includes(n))).toEqual([]);
  });

  it('every alert has a severity, a summary and description that name something, a static runbook, a reason for its for:, and both firing and silent cases', () => {
    const problems: string[] = [];
    for (const a of alerts) {
      if (!['critical', 'warning', 'info'].includes(a.severity))
        problems.push(`${a.alert}: severity ${a.severity}`);
      if (!a.summary.endsWith('.')) problems.push(`${a.alert}: summary does not end with a period`);
      if (a.runbook.includes('{{') || a.runbook.length < 40)
        problems.push(`${a.alert}: runbook templated or too short`);
      if (a.forWhy.length < 20) problems.push(`${a.alert}: no reason for for: ${a.for}`);
      if (a.fires.length === 0 || a.silent.length === 0)
        problems.push(`${a.alert}: needs firing and silent cases`);
      // Descriptions name what is broken: the alert's own labels, not a generic sentence.
      if (!/\{\{ \$labels\.\w+ \}\}/.test(a.description) && a.alert !== 'HavocExporterNotScraped')
        problems.push(`${a.alert}: description names no label`);
      for (const c of a.fires) {
        if (c.labels['severity'] !== a.severity)
          problems.push(`${a.alert}/${c.name}: expected severity label`);
      }
    }
    expect(problems).toEqual([]);
  });
});

describe('alert rules: every metric and label exists (exporters catalogue, docs/metrics.md, and the suite runner metrics)', () => {
  it('finds no unknown metric or label in any rule', () => {
    const known = knownSeries();
    for (const g of RULE_GROUPS) {
      for (const r of g.records ?? []) {
        const labels = new Set<string>(['cluster', 'job', 'instance', 'suite']);
        known.set(r.record, labels);
      }
    }
    const problems: string[] = [];
    for (const g of RULE_GROUPS) {
      for (const r of g.records ?? []) problems.push(...metricProblems(r.record, r.expr, known));
      for (const a of g.alerts)
        problems.push(...metricProblems(a.alert, a.expr, known, [a.summary, a.description]));
    }
    expect(problems).toEqual([]);
  });

  it('catches a metric that does not exist, a label a metric lacks and a label printed that no series has', () => {
    const known = knownSeries();
    expect(
      metricProblems('x', 'havoc_bond_degraded{device="bond0"} == 1', known, ['{{ $labels.master }}']),
    ).toEqual([
      expect.stringMatching(/x: havoc_bond_degraded has no label "device"/),
      'x: template uses $labels.master, which none of its series has',
    ]);
    expect(metricProblems('y', 'sum by (node) (havoc_no_such_metric)', known)).toEqual([
      'y: metric havoc_no_such_metric is not in the catalogue',
      'y: groups or matches on "node", which none of its series has',
    ]);
    expect(metricProblems('z', 'rate(havoc_up[5m]', known)[0]).toMatch(/z: syntax error/);
  });
});

describe('alert rules: promtool (the real Prometheus 2.42 tools)', () => {
  it('promtool check rules accepts every generated file; promtool test rules passes for every alert and recording rule', async () => {
    const dir = tempDir('havoc-alerts-');
    const files = exportAlertFiles(dir);
    expect(files.rules).toHaveLength(RULE_GROUPS.length);
    for (const f of files.rules) {
      const r = await tool(['promtool', 'check', 'rules', f]);
      expect(r.out, f).toMatch(/SUCCESS: \d+ rules found/);
      expect(r.code, r.out).toBe(0);
    }
    for (const f of files.tests) {
      const r = await tool(['promtool', 'test', 'rules', basename(f)], dirname(f));
      expect(r.code, `${f}:\n${r.out}`).toBe(0);
      expect(r.out).toMatch(/SUCCESS/);
    }
    // Every alert and every case is in some test file.
    const allTests = files.tests.map((f) => readFileSync(f, 'utf8')).join('\n');
    for (const a of alerts) {
      for (const c of [
        ...a.fires.map((x) => `fires: ${x.name}`),
        ...a.silent.map((x) => `silent: ${x.name}`),
      ]) {
        expect(allTests).toContain(`${a.alert} ${c}`);
      }
    }
  });

  it('the same tests fail when a promise is broken: a wrong label, a wrong description, a healthy case that fires', async () => {
    const dir = tempDir('havoc-alerts-broken-');
    exportAlertFiles(dir);
    const group = RULE_GROUPS.find((g) => g.name === 'havoc-switches')!;
    const [alert] = group.alerts;
    const broken = {
      ...group,
      alerts: [
        {
          ...alert!,
          fires: alert!.fires.map((c) => ({
            ...c,
            labels: { ...c.labels, host: 'host9' },
            description: `${c.description} (wrong)`,
          })),
          silent: [{ name: 'actually down', series: alert!.fires[0]!.series }],
        },
      ],
    };
    const file = join(dir, 'tests', 'broken.test.yml');
    writeFileSync(file, promtoolTests(broken, join('..', 'rules', ruleFileName(group))));
    const r = await tool(['promtool', 'test', 'rules', 'broken.test.yml'], dirname(file));
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/FAILED/);
    expect(r.out).toContain('host="host9"');
    expect(r.out).toContain('(wrong)');
    expect(r.out).toMatch(/HASwitchPortDown silent: actually down/);
  });

  it('amtool check-config accepts the Alertmanager route example', async () => {
    const dir = tempDir('havoc-am-');
    const files = exportAlertFiles(dir);
    const r = await tool(['amtool', 'check-config', files.alertmanager]);
    expect(r.out).toMatch(/SUCCESS/);
    expect(r.code, r.out).toBe(0);
  });

  it("sends resolved notifications to the suite run's receiver, amtool accepts it, and alertResolvedWithin's default covers its group_interval", async () => {
    const dir = tempDir('havoc-am-');
    const files = exportAlertFiles(dir, { suiteWebhook: '127.0.0.1:9777' });
    const config = parse(readFileSync(files.alertmanager, 'utf8')) as {
      route: { group_interval: string; routes: { receiver: string; continue?: boolean }[] };
      receivers: { name: string; webhook_configs?: Record<string, unknown>[] }[];
    };
    // Without send_resolved Alertmanager never tells the receiver an alert cleared: every alertResolvedWithin would fail.
    expect(config.receivers.find((r) => r.name === 'havoc-suite')?.webhook_configs).toEqual([
      { url: 'http://127.0.0.1:9777/', send_resolved: true, max_alerts: 0 },
    ]);
    expect(config.route.routes[0]).toEqual({ receiver: 'havoc-suite', continue: true });
    const checked = await tool(['amtool', 'check-config', files.alertmanager]);
    expect(checked.out).toMatch(/SUCCESS/);
    expect(checked.code, checked.out).toBe(0);
    // A resolution reaches the receiver at most one scrape (30 s, havoc exporter prometheus-config's default),
    // one evaluation (1 m, Prometheus' default) and one group_interval (as exported) after the fault is gone.
    const groupIntervalMs = parseDuration(config.route.group_interval, 'group_interval');
    expect(groupIntervalMs).toBe(300_000);
    expect(DEFAULT_RESOLVE_TARGET_MS).toBeGreaterThan(30_000 + 60_000 + groupIntervalMs);
  });

  it('the route example sends every alert to the suite run receiver too, and routing goes on after it (amtool config routes test)', async () => {
    const dir = tempDir('havoc-am-');
    const files = exportAlertFiles(dir, { suiteWebhook: '127.0.0.1:9777' });
    const routes = async (...labels: string[]) =>
      tool(['amtool', 'config', 'routes', 'test', `--config.file=${files.alertmanager}`, ...labels]);
    const critical = await routes('alertname=HASwitchPortDown', 'severity=critical');
    expect(critical.out.split('\n')[0], critical.out).toBe('havoc-suite,havoc-pager');
    const warning = await routes('alertname=BmcUnreachable', 'severity=warning');
    expect(warning.out.split('\n')[0], warning.out).toBe('havoc-suite,havoc-tickets');
    const text = readFileSync(files.alertmanager, 'utf8');
    expect(text).toContain('url: http://127.0.0.1:9777/');
  });
});
