import {
  type Dashboard,
  DashboardBuilder,
  DatasourceVariableBuilder,
  QueryVariableBuilder,
  RowBuilder,
  VariableRefresh,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder, PromQueryFormat } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as StatPanel } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as StateTimelinePanel } from '@grafana/grafana-foundation-sdk/statetimeline';
import { PanelBuilder as TablePanel } from '@grafana/grafana-foundation-sdk/table';
import { PanelBuilder as TimeseriesPanel } from '@grafana/grafana-foundation-sdk/timeseries';
import type { DashboardSpec, PanelSpec } from './panel-spec.js';

/*
 * DashboardSpec -> Grafana dashboard JSON through @grafana/grafana-foundation-sdk
 * (its builders are typed against Grafana's schema, so a field Grafana does
 * not know does not compile). Every panel and variable uses the templated
 * datasource; $cluster, $job and $instance are multi-value with All.
 */

/** Grafana's reference to the $datasource variable (a Grafana template, not a JavaScript one). */
export const DATASOURCE_REF = ['$', '{datasource}'].join('');
const DS = { type: 'prometheus', uid: DATASOURCE_REF };
/** What "All" means in a regex matcher, so "All" also matches series without the label's value. */
export const ALL = '.*';

function target(t: PanelSpec['targets'][number], i: number) {
  const q = new DataqueryBuilder()
    .expr(t.expr)
    .refId(String.fromCharCode(65 + i))
    .datasource(DS);
  if (t.legend) q.legendFormat(t.legend);
  if (t.instant) q.instant().format(PromQueryFormat.Table);
  else q.range();
  return q;
}

function panel(p: PanelSpec) {
  const width = p.width ?? (p.kind === 'stat' ? 8 : 12);
  const b =
    p.kind === 'stat'
      ? new StatPanel()
      : p.kind === 'table'
        ? new TablePanel()
        : p.kind === 'state-timeline'
          ? new StateTimelinePanel()
          : new TimeseriesPanel();
  b.title(p.title)
    .description(p.description)
    .unit(p.unit)
    .datasource(DS)
    .span(width)
    .height(p.kind === 'stat' ? 5 : 8);
  p.targets.forEach((t, i) => {
    b.withTarget(target(t, i));
  });
  return b;
}

function variables(spec: DashboardSpec) {
  const suite = spec.jobs === 'havoc_suite';
  const anchor = suite ? 'havoc_suite_outcome' : 'up';
  return [
    new DatasourceVariableBuilder('datasource').label('Data source').type('prometheus'),
    new QueryVariableBuilder('cluster')
      .label('Cluster')
      .datasource(DS)
      .query(suite ? 'label_values(up, cluster)' : `label_values(${anchor}{job=~"${spec.jobs}"}, cluster)`)
      .refresh(VariableRefresh.OnTimeRangeChanged)
      .multi(true)
      .includeAll(true)
      .allValue(ALL),
    new QueryVariableBuilder('job')
      .label('Job')
      .datasource(DS)
      .query(`label_values(${anchor}{job=~"${spec.jobs}"}, job)`)
      .refresh(VariableRefresh.OnTimeRangeChanged)
      .multi(true)
      .includeAll(true)
      .allValue(ALL),
    new QueryVariableBuilder('instance')
      .label('Instance')
      .datasource(DS)
      .query(`label_values(${anchor}{job=~"$job"}, instance)`)
      .refresh(VariableRefresh.OnTimeRangeChanged)
      .multi(true)
      .includeAll(true)
      .allValue(ALL),
  ];
}

export function buildDashboard(spec: DashboardSpec): Dashboard {
  const d = new DashboardBuilder(spec.title)
    .uid(spec.uid)
    .description(spec.description)
    .tags(spec.tags)
    .refresh('30s')
    .time({ from: 'now-6h', to: 'now' })
    .timezone('browser');
  for (const v of variables(spec)) d.withVariable(v);
  for (const row of spec.rows) {
    d.withRow(new RowBuilder(row.title));
    for (const p of row.panels) d.withPanel(panel(p));
  }
  return d.build();
}
