import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { promqlUse } from '../promql/promql.js';
import { DATASOURCE_REF } from './build.js';
import type { DashboardSpec, LintException } from './panel-spec.js';

/*
 * A TypeScript port of grafana/dashboard-linter's rules (docs/index.md of
 * that project; its Go binary cannot be installed here), over the dashboard
 * JSON and Prometheus' own PromQL grammar (@prometheus-io/lezer-promql):
 *
 *   template-datasource     a "datasource" variable of type datasource, for Prometheus
 *   template-job            a "job" query variable on $datasource, multi, with All
 *   template-instance       an "instance" query variable on $datasource, multi, with All
 *   template-label-promql   every query variable is label_values() over valid PromQL
 *   panel-datasource        every panel and target uses ${datasource}
 *   panel-title-description every panel has a title and a description
 *   panel-units             every panel has a known unit
 *   target-promql           every target is valid PromQL (Grafana variables substituted)
 *   target-rate-interval    rate/irate/increase/delta/deriv ranges are $__rate_interval
 *   target-job              every selector matches job=~"$job"
 *   target-instance         every selector matches instance=~"$instance"
 *
 * A panel is exempt from a rule only with a reason (PanelSpec.lintExceptions).
 */

export interface LintProblem {
  rule: string;
  dashboard: string;
  panel?: string;
  message: string;
}

const UNITS = new Set([
  'short',
  'none',
  'bool',
  's',
  'ms',
  'bytes',
  'Bps',
  'bps',
  'percentunit',
  'percent',
  'dateTimeAsIso',
  'dateTimeFromNow',
]);
const DS_UIDS = new Set([DATASOURCE_REF, '$datasource']);

/** Grafana's interval variables replaced by a duration, so the expression parses as PromQL. */
export function substituteIntervals(expr: string): string {
  return expr.replace(/\$__(rate_interval|interval|range)\b/g, '5m');
}

interface RawPanel {
  type?: string;
  title?: string;
  description?: string;
  datasource?: { uid?: string; type?: string };
  fieldConfig?: { defaults?: { unit?: string } };
  targets?: { expr?: string; datasource?: { uid?: string } }[];
}

interface RawVariable {
  type?: string;
  name?: string;
  query?: unknown;
  datasource?: { uid?: string };
  multi?: boolean;
  includeAll?: boolean;
}

function queryVariable(vars: RawVariable[], name: string, rule: string, dash: string): LintProblem[] {
  const v = vars.find((x) => x.name === name);
  if (!v) return [{ rule, dashboard: dash, message: `no "${name}" template variable` }];
  const out: LintProblem[] = [];
  if (v.type !== 'query')
    out.push({ rule, dashboard: dash, message: `variable ${name} is of type ${v.type}, not query` });
  if (!DS_UIDS.has(v.datasource?.uid ?? ''))
    out.push({ rule, dashboard: dash, message: `variable ${name} does not use $datasource` });
  if (!v.multi || !v.includeAll)
    out.push({ rule, dashboard: dash, message: `variable ${name} must be multi-value with All` });
  return out;
}

export function lintDashboard(json: Dashboard, spec: DashboardSpec): LintProblem[] {
  const dash = json.uid ?? json.title ?? '?';
  const out: LintProblem[] = [];
  const vars = (json.templating?.list ?? []) as RawVariable[];
  const ds = vars.find((v) => v.name === 'datasource');
  if (ds?.type !== 'datasource' || ds.query !== 'prometheus')
    out.push({
      rule: 'template-datasource',
      dashboard: dash,
      message: 'no "datasource" variable of type datasource for prometheus',
    });
  out.push(...queryVariable(vars, 'job', 'template-job', dash));
  out.push(...queryVariable(vars, 'instance', 'template-instance', dash));
  for (const v of vars.filter((x) => x.type === 'query')) {
    const q = typeof v.query === 'string' ? v.query : '';
    const m = /^label_values\((.*),\s*([a-zA-Z_][a-zA-Z0-9_]*)\)$/.exec(q.trim());
    if (!m) {
      out.push({
        rule: 'template-label-promql',
        dashboard: dash,
        message: `variable ${v.name}: ${q} is not label_values(QUERY, LABEL)`,
      });
      continue;
    }
    const errors = promqlUse(m[1] ?? '').errors;
    if (errors.length > 0)
      out.push({
        rule: 'template-label-promql',
        dashboard: dash,
        message: `variable ${v.name}: ${errors.join('; ')}`,
      });
  }

  const exceptionsOf = (title: string): LintException[] =>
    spec.rows.flatMap((r) => r.panels).find((p) => p.title === title)?.lintExceptions ?? [];
  for (const p of (json.panels ?? []) as RawPanel[]) {
    if (p.type === 'row') continue;
    const title = p.title ?? '';
    const exempt = new Set(exceptionsOf(title).map((e) => e.rule));
    const add = (rule: string, message: string) => {
      if (!exempt.has(rule)) out.push({ rule, dashboard: dash, panel: title, message });
    };
    if (!title.trim() || !(p.description ?? '').trim())
      add('panel-title-description', 'a panel needs a title and a description');
    if (!DS_UIDS.has(p.datasource?.uid ?? ''))
      add('panel-datasource', `datasource ${p.datasource?.uid} is not \${datasource}`);
    const unit = p.fieldConfig?.defaults?.unit;
    if (!unit || !UNITS.has(unit)) add('panel-units', `unit ${unit ?? '(none)'} is not a known unit`);
    for (const t of p.targets ?? []) {
      if (!DS_UIDS.has(t.datasource?.uid ?? ''))
        add('panel-datasource', `a target does not use ${DATASOURCE_REF}`);
      const expr = t.expr ?? '';
      const use = promqlUse(substituteIntervals(expr));
      if (use.errors.length > 0) add('target-promql', `${expr}: ${use.errors.join('; ')}`);
      const ranged = [...expr.matchAll(/\b(rate|irate|increase|delta|idelta|deriv)\s*\(/g)].length;
      const rangesOk = [...expr.matchAll(/\[([^\]]*)\]/g)].map((m) => m[1]);
      if (ranged > 0 && rangesOk.some((r) => r !== '$__rate_interval'))
        add('target-rate-interval', `${expr}: use [$__rate_interval] in rate()`);
      for (const s of use.selectors) {
        if (!s.matchers.some((m) => m.label === 'job' && m.op === '=~' && m.value === '$job'))
          add('target-job', `${s.metric}: no job=~"$job" matcher`);
        if (!s.matchers.some((m) => m.label === 'instance' && m.op === '=~' && m.value === '$instance'))
          add('target-instance', `${s.metric}: no instance=~"$instance" matcher`);
      }
    }
  }
  // An exception must name a rule, and say why.
  for (const p of spec.rows.flatMap((r) => r.panels)) {
    for (const e of p.lintExceptions ?? []) {
      if (e.reason.trim().length < 20)
        out.push({ rule: e.rule, dashboard: dash, panel: p.title, message: 'an exception needs a reason' });
    }
  }
  return out;
}
