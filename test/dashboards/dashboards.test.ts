import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DASHBOARDS } from '../../dashboards/grafana/boards/index.js';
import { buildDashboard } from '../../dashboards/grafana/build.js';
import { exportDashboards } from '../../dashboards/grafana/export.js';
import { lintDashboard } from '../../dashboards/grafana/lint.js';
import { panelQueries } from '../../dashboards/grafana/panel-queries.js';
import type { DashboardSpec } from '../../dashboards/grafana/panel-spec.js';
import { knownSeries } from '../../dashboards/metric-contract.js';
import { metricProblems } from '../../dashboards/metric-problems.js';
import { tempDir } from '../support/temp-dir.js';

/*
 * No Grafana server can run here (not in Debian, not on npm): the dashboards
 * are proven by the foundation SDK's types (they compile), by this lint (a
 * port of grafana/dashboard-linter's rules), by the metric catalogue, and by
 * their queries against the real Prometheus (alerts-e2e.integration.test.ts).
 */

describe('dashboards', () => {
  it('has the seven dashboards of the issue, each with datasource, cluster, job and instance variables', () => {
    expect(DASHBOARDS.map((d) => d.uid)).toEqual([
      'havoc-ha-overview',
      'havoc-hosts-bonds',
      'havoc-switch-ports',
      'havoc-drbd',
      'havoc-bmc-fencing',
      'havoc-xapi-pool',
      'havoc-suite-history',
    ]);
    for (const spec of DASHBOARDS) {
      const names = (buildDashboard(spec).templating?.list ?? []).map((v) => v.name);
      expect(names, spec.uid).toEqual(['datasource', 'cluster', 'job', 'instance']);
    }
  });

  it('every dashboard passes the dashboard-linter rules', () => {
    const problems = DASHBOARDS.flatMap((spec) => lintDashboard(buildDashboard(spec), spec));
    expect(problems).toEqual([]);
  });

  it('the lint catches each rule it ports', () => {
    const bad: DashboardSpec = {
      uid: 'bad',
      title: 'bad',
      description: 'x',
      jobs: 'havoc-host',
      tags: [],
      rows: [
        {
          title: 'r',
          panels: [
            {
              title: 'no unit, no description',
              description: '',
              kind: 'stat',
              unit: 'furlongs',
              targets: [{ expr: 'havoc_up{job=~"$job", instance=~"$instance"}' }],
            },
            {
              title: 'fixed rate range, no job or instance',
              description: 'd',
              kind: 'timeseries',
              unit: 's',
              targets: [{ expr: 'rate(havoc_nic_receive_errors_total[5m])' }],
            },
            {
              title: 'broken PromQL',
              description: 'd',
              kind: 'timeseries',
              unit: 's',
              targets: [{ expr: 'sum(havoc_up{job=~"$job", instance=~"$instance"}' }],
            },
          ],
        },
      ],
    };
    const json = buildDashboard(bad) as unknown as Record<string, unknown>;
    const templating = json['templating'] as { list: Record<string, unknown>[] };
    templating.list = templating.list.filter((v) => v['name'] !== 'instance');
    const job = templating.list.find((v) => v['name'] === 'job')!;
    job['includeAll'] = false;
    templating.list.find((v) => v['name'] === 'cluster')!['query'] = 'label_values(up{, cluster)';
    (json['panels'] as Record<string, unknown>[])[1]!['datasource'] = { type: 'prometheus', uid: 'P1234' };
    const rules = new Set(lintDashboard(json as never, bad).map((p) => p.rule));
    expect([...rules].sort()).toEqual(
      [
        'panel-datasource',
        'panel-title-description',
        'panel-units',
        'target-instance',
        'target-job',
        'target-promql',
        'target-rate-interval',
        'template-instance',
        'template-job',
        'template-label-promql',
      ].sort(),
    );
  });

  it('every metric and label a panel uses is in the catalogue', () => {
    const known = knownSeries();
    known.set('ALERTS', new Set(['alertname', 'alertstate', 'severity', 'cluster']));
    const problems = panelQueries().flatMap((q) =>
      metricProblems(`${q.dashboard} / ${q.panel}`, q.expr, known),
    );
    expect(problems).toEqual([]);
  });

  it('havoc dashboards export writes the JSON and a Grafana file provider for them', () => {
    const dir = tempDir('havoc-dash-');
    const files = exportDashboards(dir);
    expect(files.dashboards).toHaveLength(DASHBOARDS.length);
    for (const f of files.dashboards) {
      const d = JSON.parse(readFileSync(f, 'utf8')) as {
        uid: string;
        panels: unknown[];
        schemaVersion: number;
      };
      expect(d.panels.length).toBeGreaterThan(1);
      expect(d.schemaVersion).toBeGreaterThanOrEqual(36);
    }
    const prov = parse(readFileSync(files.provisioning, 'utf8')) as {
      apiVersion: number;
      providers: { type: string; options: { path: string } }[];
    };
    expect(prov.apiVersion).toBe(1);
    expect(prov.providers[0]).toMatchObject({ type: 'file', options: { path: dir } });
  });
});
