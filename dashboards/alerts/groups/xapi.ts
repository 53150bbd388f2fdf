import { probeTarget, type RuleGroup, series } from '../rule.js';

const cl = probeTarget('cluster', 'pool1', 'pool1');

export const xapiGroup: RuleGroup = {
  name: 'havoc-xapi',
  title: 'XenServer / XCP-ng pool HA',
  alerts: [
    {
      alert: 'XenPoolHaDisabled',
      expr: 'havoc_xapi_ha_enabled{job="havoc-cluster"} == 0',
      for: '5m',
      forWhy:
        'pool HA is switched off and on again around maintenance (a heartbeat SR change); five minutes off is a pool left unprotected',
      severity: 'critical',
      summary: 'Pool HA is disabled in {{ $labels.instance }}.',
      description:
        'XenServer/XCP-ng pool {{ $labels.instance }} runs with HA disabled: no protected VM is restarted after a host failure.',
      runbook:
        'Re-enable HA (`xe pool-ha-enable heartbeat-sr-uuids=...`) once the heartbeat SR is healthy; check `xe pool-ha-compute-max-host-failures-to-tolerate`.',
      meaning: 'Pool HA is off: protected VMs are not restarted after a host failure.',
      fires: [
        {
          name: 'ha_enabled false',
          series: [series('havoc_xapi_ha_enabled', cl, '0x20')],
          labels: { ...cl, severity: 'critical' },
          summary: 'Pool HA is disabled in pool1.',
          description:
            'XenServer/XCP-ng pool pool1 runs with HA disabled: no protected VM is restarted after a host failure.',
        },
      ],
      silent: [{ name: 'enabled', series: [series('havoc_xapi_ha_enabled', cl, '1x20')] }],
    },
    {
      alert: 'XenPoolHaOvercommitted',
      expr: 'havoc_xapi_ha_overcommitted{job="havoc-cluster"} == 1',
      for: '5m',
      forWhy:
        'XAPI recomputes the plan after every VM start or migration; five minutes overcommitted is not a plan in the middle of being recomputed',
      severity: 'critical',
      summary: 'Pool {{ $labels.instance }} is HA-overcommitted.',
      description:
        'XenServer/XCP-ng pool {{ $labels.instance }} reports ha_overcommitted: it can no longer guarantee to restart its protected VMs after the failures it should tolerate.',
      runbook:
        'Free capacity (shut down or unprotect low-priority VMs, add a host) or lower ha-host-failures-to-tolerate knowingly; `xe pool-ha-compute-hypothetical-max-host-failures-to-tolerate` helps plan.',
      meaning: 'The pool cannot guarantee to restart protected VMs.',
      fires: [
        {
          name: 'overcommitted',
          series: [series('havoc_xapi_ha_overcommitted', cl, '1x20')],
          labels: { ...cl, severity: 'critical' },
          summary: 'Pool pool1 is HA-overcommitted.',
          description:
            'XenServer/XCP-ng pool pool1 reports ha_overcommitted: it can no longer guarantee to restart its protected VMs after the failures it should tolerate.',
        },
      ],
      silent: [{ name: 'not overcommitted', series: [series('havoc_xapi_ha_overcommitted', cl, '0x20')] }],
    },
    {
      alert: 'XenPoolHaPlanBelowFtt',
      expr: 'havoc_xapi_ha_plan_exists_for{job="havoc-cluster"} < havoc_xapi_ha_host_failures_to_tolerate{job="havoc-cluster"} and on (job, instance) havoc_xapi_ha_enabled{job="havoc-cluster"} == 1',
      for: '5m',
      forWhy:
        'the plan is recomputed after VM starts and host changes; five minutes below the target is a real shortfall',
      severity: 'critical',
      summary: 'Pool {{ $labels.instance }} HA plan covers only {{ $value }} host failure(s).',
      description:
        'The HA plan of pool {{ $labels.instance }} covers {{ $value }} host failure(s), fewer than its ha_host_failures_to_tolerate: a failure beyond that leaves protected VMs down.',
      runbook:
        'Free or add capacity until `xe pool-param-get param-name=ha-plan-exists-for` reaches the failures to tolerate; check for hosts that are disabled or dead.',
      meaning: 'The pool HA plan covers fewer host failures than configured.',
      fires: [
        {
          name: 'plan for 0 of 1',
          series: [
            series('havoc_xapi_ha_plan_exists_for', cl, '0x20'),
            series('havoc_xapi_ha_host_failures_to_tolerate', cl, '1x20'),
            series('havoc_xapi_ha_enabled', cl, '1x20'),
          ],
          labels: { ...cl, severity: 'critical' },
          summary: 'Pool pool1 HA plan covers only 0 host failure(s).',
          description:
            'The HA plan of pool pool1 covers 0 host failure(s), fewer than its ha_host_failures_to_tolerate: a failure beyond that leaves protected VMs down.',
        },
      ],
      silent: [
        {
          name: 'plan for 1 of 1',
          series: [
            series('havoc_xapi_ha_plan_exists_for', cl, '1x20'),
            series('havoc_xapi_ha_host_failures_to_tolerate', cl, '1x20'),
            series('havoc_xapi_ha_enabled', cl, '1x20'),
          ],
        },
        {
          name: 'HA disabled (XenPoolHaDisabled says so)',
          series: [
            series('havoc_xapi_ha_plan_exists_for', cl, '0x20'),
            series('havoc_xapi_ha_host_failures_to_tolerate', cl, '1x20'),
            series('havoc_xapi_ha_enabled', cl, '0x20'),
          ],
        },
      ],
    },
  ],
};
