import { type DashboardSpec, suiteSel } from '../panel-spec.js';

const NO_SUITE =
  'pushed to a Pushgateway by suite runs (suites/reports); the HA lab test that runs these queries runs no suite';

export const suiteHistory: DashboardSpec = {
  uid: 'havoc-suite-history',
  title: 'havoc / Failover suite history',
  description: 'The nightly failover suites: outcome, failed expectations and measured downtimes over time.',
  jobs: 'havoc_suite',
  tags: ['havoc', 'suites'],
  rows: [
    {
      title: 'Runs',
      panels: [
        {
          title: 'Outcome',
          description: 'Outcome of the last run of each suite over time.',
          kind: 'state-timeline',
          unit: 'none',
          targets: [{ expr: `${suiteSel('havoc_suite_outcome')} == 1`, legend: '{{suite}} {{outcome}}' }],
          emptyInLab: NO_SUITE,
        },
        {
          title: 'Since the last run',
          description: 'Time since each suite last pushed a result (alert after 26 h).',
          kind: 'stat',
          unit: 's',
          targets: [
            {
              expr: `time() - ${suiteSel('havoc_suite_last_run_timestamp_seconds')}`,
              legend: '{{suite}}',
              instant: true,
            },
          ],
          emptyInLab: NO_SUITE,
        },
        {
          title: 'Run duration',
          description: 'How long each run took.',
          kind: 'timeseries',
          unit: 's',
          targets: [{ expr: suiteSel('havoc_suite_duration_seconds'), legend: '{{suite}}' }],
          emptyInLab: NO_SUITE,
        },
      ],
    },
    {
      title: 'Expectations',
      panels: [
        {
          title: 'Failed expectations',
          description: 'Expectations of the last run whose verdict was fail.',
          kind: 'table',
          unit: 'none',
          targets: [
            { expr: `${suiteSel('havoc_suite_expectation_verdict', 'verdict="fail"')} == 1`, instant: true },
          ],
          emptyInLab: NO_SUITE,
          emptyWhileHealthy: 'a suite that passes has no failed expectation',
        },
        {
          title: 'Measured downtime (p95)',
          description:
            'p95 over the repeats of each measured expectation (restart, migration, fence times) per run.',
          kind: 'timeseries',
          unit: 's',
          width: 24,
          targets: [
            {
              expr: suiteSel('havoc_suite_measured_seconds', 'stat="p95"'),
              legend: '{{suite}} {{step}} {{expectation}} {{subject}}',
            },
          ],
          emptyInLab: NO_SUITE,
        },
      ],
    },
  ],
};
