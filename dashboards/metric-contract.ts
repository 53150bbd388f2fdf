import { catalogueSections } from '../exporters/catalogue.js';
import { COLLECTORS } from '../exporters/collectors/index.js';
import { gaugeFamily, type MetricFamily } from '../exporters/metric-family.js';

/*
 * Every series a rule or panel may use, with its labels: the exporter's
 * catalogue (docs/metrics.md), the suite runner's Pushgateway metrics (their
 * names and labels are the contract with suites/reports), and Prometheus'
 * own `up`. The labels Prometheus attaches to a target (job, instance, and
 * cluster and role from `havoc exporter prometheus-config`) are on every
 * series.
 */

export const TARGET_LABELS: readonly string[] = ['job', 'instance', 'cluster', 'role'];

/** Pushed by the suite runner (suites/reports, job "havoc_suite"). */
export const SUITE_METRICS: readonly MetricFamily[] = [
  gaugeFamily('havoc_suite_last_run_timestamp_seconds', 'When the last run of the suite ended (Unix time).', [
    'suite',
  ]),
  gaugeFamily('havoc_suite_outcome', 'Outcome of the last run: 1 for the outcome it had.', [
    'suite',
    'outcome',
  ]),
  gaugeFamily(
    'havoc_suite_expectation_verdict',
    'Verdict of one expectation of one step of the last run; value 1.',
    ['suite', 'step', 'expectation', 'subject', 'verdict'],
  ),
  gaugeFamily(
    'havoc_suite_measured_seconds',
    'A measured time of an expectation over the repeats of a step.',
    ['suite', 'step', 'expectation', 'subject', 'stat'],
  ),
  gaugeFamily('havoc_suite_duration_seconds', 'How long the last run took.', ['suite']),
];

const PROMETHEUS_METRICS: readonly MetricFamily[] = [
  gaugeFamily('up', 'Prometheus: 1 when the scrape of the target succeeded.'),
];

/** Metric name -> its labels (target labels included), for every series the rules and dashboards may use. */
export function knownSeries(): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const add = (name: string, labels: readonly string[]) =>
    out.set(name, new Set([...labels, ...TARGET_LABELS]));
  for (const section of catalogueSections(COLLECTORS)) {
    for (const f of section.families) {
      if (f.type === 'histogram') {
        add(`${f.name}_bucket`, [...f.labels, 'le']);
        add(`${f.name}_sum`, f.labels);
        add(`${f.name}_count`, f.labels);
      } else add(f.name, f.labels);
    }
  }
  for (const f of [...SUITE_METRICS, ...PROMETHEUS_METRICS]) add(f.name, f.labels);
  return out;
}
