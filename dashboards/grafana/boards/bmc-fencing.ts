import { type DashboardSpec, sel } from '../panel-spec.js';

const B = 'havoc-bmc';
const C = 'havoc-cluster';

export const bmcFencing: DashboardSpec = {
  uid: 'havoc-bmc-fencing',
  title: 'havoc / BMCs and fencing',
  description:
    'Would a fence work now: BMC answers, credentials, power state, response time, fencing levels, fence history.',
  jobs: 'havoc-bmc|havoc-cluster',
  tags: ['havoc', 'fencing'],
  rows: [
    {
      title: 'BMCs',
      panels: [
        {
          title: 'BMC answers',
          description: '1 when the BMC answered within the scrape deadline.',
          kind: 'state-timeline',
          unit: 'bool',
          targets: [{ expr: sel('havoc_bmc_up', B), legend: '{{instance}}' }],
        },
        {
          title: 'BMC credentials accepted',
          description: "1 when the inventory's credentials opened a session.",
          kind: 'state-timeline',
          unit: 'bool',
          targets: [{ expr: sel('havoc_bmc_auth_ok', B), legend: '{{instance}}' }],
        },
        {
          title: 'BMC response time',
          description: 'Time from the first packet to the power state, session setup included.',
          kind: 'timeseries',
          unit: 's',
          targets: [{ expr: sel('havoc_bmc_response_seconds', B), legend: '{{instance}}' }],
        },
        {
          title: 'Powered on',
          description: 'Chassis power as the BMC reports it: 1 on.',
          kind: 'state-timeline',
          unit: 'bool',
          targets: [{ expr: sel('havoc_bmc_power_state', B, 'state="on"'), legend: '{{instance}}' }],
        },
      ],
    },
    {
      title: 'Fencing',
      panels: [
        {
          title: 'Fencing levels ready',
          description: 'Each fencing level of each host: 1 when every device of it answered.',
          kind: 'state-timeline',
          unit: 'bool',
          targets: [{ expr: sel('havoc_fencing_level_ready', C), legend: '{{host}} level {{level}}' }],
        },
        {
          title: 'Last fence succeeded',
          description: 'Result of the last completed fence of each node: 1 success, 0 failure.',
          kind: 'stat',
          unit: 'bool',
          targets: [
            { expr: sel('havoc_pacemaker_last_fence_success', C), legend: '{{node}}', instant: true },
          ],
          emptyWhileHealthy: 'a node that was never fenced has no fence record',
        },
        {
          title: 'Fences pending',
          description: 'Fences in progress now.',
          kind: 'stat',
          unit: 'short',
          targets: [{ expr: sel('havoc_pacemaker_fence_pending', C), legend: '{{node}}', instant: true }],
          emptyWhileHealthy: 'the series exists only while a fence is in progress',
        },
      ],
    },
  ],
};
