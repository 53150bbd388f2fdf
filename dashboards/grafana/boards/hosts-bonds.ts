import { type DashboardSpec, sel } from '../panel-spec.js';

const H = 'havoc-host';
const NO_BONDING =
  'the lab machines cannot load the bonding module, so lab hosts have no bonds (bonds are tested on captured /proc/net/bonding)';

export const hostsBonds: DashboardSpec = {
  uid: 'havoc-hosts-bonds',
  title: 'havoc / Hosts and bonds',
  description: 'Host scrapes, data sources, memory and load, NIC MTUs and errors, bond redundancy and LACP.',
  jobs: H,
  tags: ['havoc', 'hosts'],
  rows: [
    {
      title: 'Hosts',
      panels: [
        {
          title: 'Host probe',
          description: '1 when every collector of the host answered within the scrape deadline.',
          kind: 'state-timeline',
          unit: 'bool',
          targets: [{ expr: sel('havoc_up', H), legend: '{{instance}}' }],
        },
        {
          title: 'Data sources',
          description: 'Each data source of the host scrape: 1 read and parsed, 0 failed.',
          kind: 'state-timeline',
          unit: 'bool',
          targets: [{ expr: sel('havoc_host_source_up', H), legend: '{{instance}} {{source}}' }],
        },
        {
          title: 'Memory available',
          description: 'MemAvailable per host: what new or failed-over VMs could still get.',
          kind: 'timeseries',
          unit: 'bytes',
          targets: [{ expr: sel('havoc_host_memory_available_bytes', H), legend: '{{instance}}' }],
        },
        {
          title: 'Load (1 min)',
          description: '1-minute load average per host.',
          kind: 'timeseries',
          unit: 'short',
          targets: [{ expr: sel('havoc_host_load1', H), legend: '{{instance}}' }],
        },
      ],
    },
    {
      title: 'NICs',
      panels: [
        {
          title: 'MTU mismatches',
          description: 'NICs whose MTU differs from what their networks need (1 = mismatch).',
          kind: 'state-timeline',
          unit: 'bool',
          targets: [{ expr: sel('havoc_nic_mtu_mismatch', H), legend: '{{instance}} {{nic}}' }],
        },
        {
          title: 'NIC receive errors',
          description: 'Receive errors per second per NIC.',
          kind: 'timeseries',
          unit: 'short',
          targets: [
            {
              expr: `rate(${sel('havoc_nic_receive_errors_total', H)}[$__rate_interval])`,
              legend: '{{instance}} {{nic}}',
            },
          ],
        },
      ],
    },
    {
      title: 'Bonds',
      panels: [
        {
          title: 'Bonds degraded',
          description:
            '1 when a bond has lost redundancy (slaves down or missing, or a broken 802.3ad aggregation).',
          kind: 'state-timeline',
          unit: 'bool',
          targets: [{ expr: sel('havoc_bond_degraded', H), legend: '{{instance}} {{bond}}' }],
          emptyInLab: NO_BONDING,
        },
        {
          title: 'Bond slaves up / configured',
          description: 'Slaves with MII up against the slaves the inventory configures.',
          kind: 'timeseries',
          unit: 'short',
          targets: [
            { expr: sel('havoc_bond_slaves_up', H), legend: '{{instance}} {{bond}} up' },
            { expr: sel('havoc_bond_slaves_expected', H), legend: '{{instance}} {{bond}} configured' },
          ],
          emptyInLab: NO_BONDING,
        },
        {
          title: 'LACP partners per bond',
          description:
            'Distinct LACP partners the slaves of each bond see: more than 1 is a partner mismatch.',
          kind: 'stat',
          unit: 'short',
          targets: [
            {
              expr: `count by (instance, bond) (count by (instance, bond, partner_mac, partner_key) (${sel('havoc_bond_slave_lacp_partner_info', H)}))`,
              legend: '{{instance}} {{bond}}',
              instant: true,
            },
          ],
          emptyInLab: NO_BONDING,
        },
      ],
    },
  ],
};
