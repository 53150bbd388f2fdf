import { type DashboardSpec, sel } from '../panel-spec.js';

const S = 'havoc-switch';

export const switchPorts: DashboardSpec = {
  uid: 'havoc-switch-ports',
  title: 'havoc / Switch ports and LACP',
  description:
    'The switch ports hosts are cabled to, traffic and errors per port, LACP aggregation as the switch sees it.',
  jobs: S,
  tags: ['havoc', 'network'],
  rows: [
    {
      title: 'Host ports',
      panels: [
        {
          title: 'Host ports up',
          description: 'Each switch port the inventory cables to a host NIC: 1 up, 0 down or missing.',
          kind: 'state-timeline',
          unit: 'bool',
          width: 24,
          targets: [
            {
              expr: sel('havoc_switch_host_port_up', S),
              legend: '{{host}} {{nic}} ({{networks}}) {{instance}} {{port}}',
            },
          ],
        },
      ],
    },
    {
      title: 'Traffic and errors',
      panels: [
        {
          title: 'Transmit per port',
          description: 'Bytes per second the switch sends out of each port.',
          kind: 'timeseries',
          unit: 'Bps',
          targets: [
            {
              expr: `rate(${sel('havoc_switch_port_transmit_bytes_total', S)}[$__rate_interval]) * on (instance, ifindex) group_left (name) ${sel('havoc_switch_port_info', S)}`,
              legend: '{{instance}} {{name}}',
            },
          ],
        },
        {
          title: 'Errors and discards per port',
          description: 'Receive errors plus discards per second per port.',
          kind: 'timeseries',
          unit: 'short',
          targets: [
            {
              expr: `rate(${sel('havoc_switch_port_receive_errors_total', S)}[$__rate_interval])`,
              legend: '{{instance}} {{ifindex}} errors',
            },
            {
              expr: `rate(${sel('havoc_switch_port_receive_discards_total', S)}[$__rate_interval])`,
              legend: '{{instance}} {{ifindex}} discards',
            },
          ],
        },
        {
          title: 'Switch uptime',
          description: 'sysUpTime of each switch agent: a drop is a switch reboot.',
          kind: 'stat',
          unit: 's',
          targets: [{ expr: sel('havoc_switch_uptime_seconds', S), legend: '{{instance}}', instant: true }],
        },
      ],
    },
    {
      title: 'LACP',
      panels: [
        {
          title: 'LAG partners per aggregator',
          description: 'Partner system id and key of each port in a LAG: members of one LAG must agree.',
          kind: 'table',
          unit: 'none',
          targets: [{ expr: sel('havoc_switch_port_lacp_partner_info', S), instant: true }],
          emptyInLab:
            'the lab switch is Linux snmpd, whose agent has no IEEE8023-LAG-MIB (tested on snmpsim recordings)',
        },
      ],
    },
  ],
};
