import { stringify } from 'yaml';
import { type AlertRule, forMinutes, type RuleGroup } from './rule.js';

/*
 * `promtool test rules` files (prometheus.io/docs/prometheus/latest/
 * configuration/unit_testing_rules) drawn from the cases every rule carries:
 * for each firing case, the alert is not firing yet before its `for:` has
 * passed (when it has one) and fires after it with exactly the labels and
 * annotations promised; for each healthy case, nothing fires.
 */

function minutesOf(a: AlertRule): { total: number; evalAt: number } {
  const f = forMinutes(a.for);
  return { total: a.testMinutes ?? f + 10, evalAt: f + 2 };
}

export function promtoolTests(group: RuleGroup, ruleFile: string): string {
  const tests: unknown[] = [];
  for (const a of group.alerts) {
    const { evalAt } = minutesOf(a);
    for (const c of a.fires) {
      const checks: unknown[] = [];
      if (a.for !== '0s' && forMinutes(a.for) >= 2)
        checks.push({ eval_time: '0m', alertname: a.alert, exp_alerts: [] });
      checks.push({
        eval_time: `${evalAt}m`,
        alertname: a.alert,
        exp_alerts: [
          {
            exp_labels: c.labels,
            exp_annotations: { summary: c.summary, description: c.description, runbook: a.runbook },
          },
        ],
      });
      tests.push({
        name: `${a.alert} fires: ${c.name}`,
        interval: '1m',
        input_series: c.series,
        alert_rule_test: checks,
      });
    }
    for (const c of a.silent) {
      tests.push({
        name: `${a.alert} silent: ${c.name}`,
        interval: '1m',
        input_series: c.series,
        alert_rule_test: [{ eval_time: `${evalAt}m`, alertname: a.alert, exp_alerts: [] }],
      });
    }
  }
  for (const r of group.records ?? []) {
    tests.push({
      name: `${r.record} records`,
      interval: '1m',
      input_series: r.test.series,
      promql_expr_test: [{ expr: r.record, eval_time: `${r.test.at}m`, exp_samples: r.test.samples }],
    });
  }
  return stringify({ rule_files: [ruleFile], evaluation_interval: '1m', tests }, { lineWidth: 0 });
}
