/*
 * Prometheus rules as data: every alert carries its severity, a summary and
 * description that name what is broken, a runbook (what to do), a `for:` with
 * the reason for its length, and the promtool cases that prove it: the bad
 * series it must fire on (every form the bad case takes, the absent one
 * included), with the labels and rendered annotations it must carry, and the
 * healthy series it must stay silent on. rule-files.ts renders the rule
 * files, promtool-tests.ts the `promtool test rules` files, from the same
 * objects, so a rule cannot ship without its tests.
 */

export type Severity = 'critical' | 'warning' | 'info';

/** One input series of a promtool test: `metric{labels}` and promtool's expanding notation ("1x20", "0 0 1x10", "_"). */
export interface InputSeries {
  series: string;
  values: string;
}

export interface FiringCase {
  /** What bad case this is, e.g. "the port is down" or "the series is absent". */
  name: string;
  series: InputSeries[];
  /** Every label of the firing alert except alertname (severity included). */
  labels: Record<string, string>;
  /** The rendered summary and description. */
  summary: string;
  description: string;
}

export interface SilentCase {
  name: string;
  series: InputSeries[];
}

export interface AlertRule {
  alert: string;
  expr: string;
  /** Prometheus duration, "0s" for none. */
  for: string;
  /** Why this `for:` (written next to it in the rule file). */
  forWhy: string;
  severity: Severity;
  /** Templated with $labels; ends with a period. */
  summary: string;
  description: string;
  /** What to do, static text (no templates), also in the README's alert table. */
  runbook: string;
  /** What the alert means, one line, for the README's alert table. */
  meaning: string;
  fires: FiringCase[];
  silent: SilentCase[];
  /** Minutes of input series in the tests; default: for + 10. */
  testMinutes?: number;
}

export interface RecordingRule {
  record: string;
  expr: string;
  /** promtool: at eval minute `at`, the rule's output must be these samples. */
  test: { series: InputSeries[]; at: number; samples: { labels: string; value: number }[] };
}

export interface RuleGroup {
  /** File name stem and group name: havoc-<domain>. */
  name: string;
  /** One line on what the group watches. */
  title: string;
  /** Evaluation interval of the group. */
  interval?: string;
  alerts: AlertRule[];
  records?: RecordingRule[];
}

/** `for:` in whole minutes, for the test timelines (promtool's interval is 1m). */
export function forMinutes(d: string): number {
  const m = /^(\d+)(s|m|h)$/.exec(d);
  if (!m) throw new Error(`unsupported duration ${d}`);
  const n = Number(m[1]);
  return m[2] === 's' ? Math.ceil(n / 60) : m[2] === 'm' ? n : n * 60;
}

/** `name{a="x",b="y"}` for input series. */
export function series(name: string, labels: Record<string, string>, values: string): InputSeries {
  const l = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',');
  return { series: `${name}{${l}}`, values };
}

/** The target labels Prometheus attaches to a /probe series (exporters/prometheus-config.ts). */
export function probeTarget(module: string, instance: string, cluster = 'c1'): Record<string, string> {
  return { job: `havoc-${module}`, instance, cluster };
}
