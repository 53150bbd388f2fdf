/*
 * A dashboard as data first (what havoc wants to show, and why a panel may
 * be empty), then built into Grafana's JSON model with the foundation SDK
 * (build.ts). The lint (lint.ts) reads the built JSON, as grafana/
 * dashboard-linter does; the query test runs every target against a real
 * Prometheus.
 */

export type PanelKind = 'stat' | 'timeseries' | 'table' | 'state-timeline';

export interface TargetSpec {
  expr: string;
  legend?: string;
  /** Instant query (stats, tables). */
  instant?: boolean;
}

/** A lint rule this panel is exempt from, and why (dashboard-linter's .lint exclusions, in code). */
export interface LintException {
  rule: string;
  reason: string;
}

export interface PanelSpec {
  title: string;
  description: string;
  kind: PanelKind;
  /** Grafana unit id: short, s, bytes, percentunit, bool, dateTimeAsIso, none. */
  unit: string;
  targets: TargetSpec[];
  /** Why the panel is empty on a healthy cluster (its series exist only when something is wrong). */
  emptyWhileHealthy?: string;
  /** Why the panel is empty on the HA lab the query test runs against (hardware or a manager the lab lacks). */
  emptyInLab?: string;
  lintExceptions?: LintException[];
  /** Grid width (of 24); default 8 for stats, 12 otherwise. */
  width?: number;
}

export interface RowSpec {
  title: string;
  panels: PanelSpec[];
}

export interface DashboardSpec {
  uid: string;
  title: string;
  description: string;
  /** The havoc job(s) the dashboard's $job variable offers (regex). */
  jobs: string;
  tags: string[];
  rows: RowSpec[];
}

/** The label matchers of every havoc selector: the template variables, and the job this series comes from. */
export function sel(metric: string, job: string, extra = ''): string {
  const m = [`cluster=~"$cluster"`, `job=~"$job"`, `instance=~"$instance"`, `job="${job}"`];
  return `${metric}{${[...m, ...(extra ? [extra] : [])].join(', ')}}`;
}

/** The same for the suite runner's Pushgateway series (no cluster label: a suite names its own inventory). */
export function suiteSel(metric: string, extra = ''): string {
  const m = [`job=~"$job"`, `instance=~"$instance"`, `job="havoc_suite"`];
  return `${metric}{${[...m, ...(extra ? [extra] : [])].join(', ')}}`;
}
