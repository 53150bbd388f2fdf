import { type RuleGroup, series } from '../rule.js';

/*
 * The nightly failover suites, from the metrics the suite runner pushes to a
 * Pushgateway (job "havoc_suite", suites/reports): the pushed series stay
 * until the next push, so an old failure keeps firing until a run passes,
 * and a suite that stops running shows as stale rather than as silence.
 */

const suite = { job: 'havoc_suite', suite: 'nightly' };
const STALE_SECONDS = 26 * 3600;

export const suitesGroup: RuleGroup = {
  name: 'havoc-suites',
  title: 'Nightly failover suites (Pushgateway)',
  alerts: [
    {
      alert: 'NightlySuiteFailed',
      expr: 'havoc_suite_outcome{job="havoc_suite",outcome=~"fail|aborted"} == 1',
      for: '0s',
      forWhy: 'none: the outcome is pushed once per run and stays until the next run',
      severity: 'warning',
      summary: 'Failover suite {{ $labels.suite }}: {{ $labels.outcome }}.',
      description:
        'The last run of failover suite {{ $labels.suite }} ended with outcome {{ $labels.outcome }}: a failover took longer than its SLO or did not happen (see havoc_suite_expectation_verdict and the run report).',
      runbook:
        'Open the report of the last run (JSON journal / HTML report), find the failed expectations and their evidence on the timeline; once the cluster is fixed, run the suite again (`havoc suite run NAME`) and check the expectation passes.',
      meaning: 'The last run of a failover suite failed or was aborted.',
      fires: [
        {
          name: 'fail',
          series: [
            series('havoc_suite_outcome', { ...suite, outcome: 'fail' }, '1x20'),
            series('havoc_suite_outcome', { ...suite, outcome: 'pass' }, '0x20'),
          ],
          labels: { ...suite, outcome: 'fail', severity: 'warning' },
          summary: 'Failover suite nightly: fail.',
          description:
            'The last run of failover suite nightly ended with outcome fail: a failover took longer than its SLO or did not happen (see havoc_suite_expectation_verdict and the run report).',
        },
      ],
      silent: [
        {
          name: 'pass',
          series: [
            series('havoc_suite_outcome', { ...suite, outcome: 'fail' }, '0x20'),
            series('havoc_suite_outcome', { ...suite, outcome: 'pass' }, '1x20'),
          ],
        },
      ],
    },
    {
      alert: 'NightlySuiteStale',
      expr: `time() - havoc_suite_last_run_timestamp_seconds{job="havoc_suite"} > ${STALE_SECONDS} or absent(havoc_suite_last_run_timestamp_seconds{job="havoc_suite"})`,
      for: '10m',
      forWhy:
        'a nightly run can start late; ten minutes on top of the 26 h (a day plus two hours of slack) avoids a page for a run that is just starting',
      severity: 'warning',
      summary: 'No failover suite run pushed {{ if $labels.suite }}for {{ $labels.suite }} {{ end }}in 26 h.',
      description:
        '{{ if $labels.suite }}Failover suite {{ $labels.suite }} last pushed a result {{ $value | humanizeDuration }} ago{{ else }}No failover suite has pushed a result to the Pushgateway{{ end }}: the nightly proof that failover works is missing.',
      runbook:
        'Check the scheduler (cron/systemd timer) that runs `havoc suite run` and its log; check that it can reach the Pushgateway and that Prometheus scrapes the Pushgateway with honor_labels.',
      meaning: 'No failover suite result for 26 hours (or none ever).',
      fires: [
        {
          name: 'last run 27.8 h before the test starts',
          series: [series('havoc_suite_last_run_timestamp_seconds', suite, '-100000x20')],
          labels: { ...suite, severity: 'warning' },
          summary: 'No failover suite run pushed for nightly in 26 h.',
          description:
            'Failover suite nightly last pushed a result 1d 3h 58m 40s ago: the nightly proof that failover works is missing.',
        },
        {
          name: 'never pushed (absent)',
          series: [],
          labels: { job: 'havoc_suite', severity: 'warning' },
          summary: 'No failover suite run pushed in 26 h.',
          description:
            'No failover suite has pushed a result to the Pushgateway: the nightly proof that failover works is missing.',
        },
      ],
      silent: [
        {
          name: 'pushed 12 minutes ago',
          series: [series('havoc_suite_last_run_timestamp_seconds', suite, '0x20')],
        },
      ],
    },
  ],
  records: [
    {
      record: 'havoc:suite_expectation_failed:count',
      expr: 'count by (job, suite) (havoc_suite_expectation_verdict{job="havoc_suite",verdict="fail"} == 1)',
      test: {
        series: [
          series(
            'havoc_suite_expectation_verdict',
            { ...suite, step: '0.1', expectation: 'restartedWithin', subject: 'vm1', verdict: 'fail' },
            '1x5',
          ),
          series(
            'havoc_suite_expectation_verdict',
            { ...suite, step: '0.2', expectation: 'restartedWithin', subject: 'vm2', verdict: 'pass' },
            '1x5',
          ),
        ],
        at: 2,
        samples: [
          { labels: 'havoc:suite_expectation_failed:count{job="havoc_suite",suite="nightly"}', value: 1 },
        ],
      },
    },
  ],
};
