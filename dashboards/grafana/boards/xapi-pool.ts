import { type DashboardSpec, sel } from '../panel-spec.js';

const C = 'havoc-cluster';
const NO_XAPI =
  "the HA lab's manager is Pacemaker; XAPI cannot run here (the xapi collector is tested against a XAPI test server)";

export const xapiPool: DashboardSpec = {
  uid: 'havoc-xapi-pool',
  title: 'havoc / XenServer pool HA',
  description:
    'Pool HA on XenServer / XCP-ng: enabled, the failures to tolerate against the plan, overcommitment, live hosts.',
  jobs: C,
  tags: ['havoc', 'xen'],
  rows: [
    {
      title: 'Pool HA',
      panels: [
        {
          title: 'HA enabled',
          description: 'pool.ha_enabled.',
          kind: 'stat',
          unit: 'bool',
          targets: [{ expr: sel('havoc_xapi_ha_enabled', C), legend: '{{instance}}', instant: true }],
          emptyInLab: NO_XAPI,
        },
        {
          title: 'Plan covers / failures to tolerate',
          description: 'Host failures the current HA plan covers, against ha_host_failures_to_tolerate.',
          kind: 'timeseries',
          unit: 'short',
          targets: [
            { expr: sel('havoc_xapi_ha_plan_exists_for', C), legend: '{{instance}} plan' },
            { expr: sel('havoc_xapi_ha_host_failures_to_tolerate', C), legend: '{{instance}} to tolerate' },
          ],
          emptyInLab: NO_XAPI,
        },
        {
          title: 'Overcommitted',
          description: 'pool.ha_overcommitted: 1 when protected VMs can no longer be guaranteed a restart.',
          kind: 'stat',
          unit: 'bool',
          targets: [{ expr: sel('havoc_xapi_ha_overcommitted', C), legend: '{{instance}}', instant: true }],
          emptyInLab: NO_XAPI,
        },
        {
          title: 'Hosts live',
          description: 'host_metrics.live per host.',
          kind: 'state-timeline',
          unit: 'bool',
          targets: [{ expr: sel('havoc_xapi_host_live', C), legend: '{{host}}' }],
          emptyInLab: NO_XAPI,
        },
      ],
    },
  ],
};
