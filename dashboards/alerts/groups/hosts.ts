import { probeTarget, type RuleGroup, series } from '../rule.js';

const host1 = probeTarget('host', 'host1');
const bmc1 = probeTarget('bmc', 'host1');

export const hostsGroup: RuleGroup = {
  name: 'havoc-hosts',
  title: 'Hosts, their NICs and bonds',
  alerts: [
    {
      alert: 'HostDown',
      expr: 'max by (cluster, instance) (havoc_scrape_error{job="havoc-host",collector="host",reason=~"ssh-connect|timeout"} == 1 or havoc_bmc_power_state{job="havoc-bmc",state="off"} == 1)',
      for: '1m',
      forWhy:
        'one SSH connect can time out on a busy host; a minute is several scrapes, and HA has already acted on a dead host by then, so the page is about what is left',
      severity: 'critical',
      summary: 'Host {{ $labels.instance }} is down.',
      description:
        'Host {{ $labels.instance }} of cluster {{ $labels.cluster }} does not answer SSH, or its BMC reports its power off.',
      runbook:
        'Check the BMC (power state, SEL) and the console of the host; if the HA manager fenced it, find out why (PacemakerFenceFailed, corosync logs) before powering it on; verify its VMs were restarted elsewhere.',
      meaning: 'A host does not answer SSH or its BMC reports power off.',
      fires: [
        {
          name: 'the BMC reports power off',
          series: [
            series('havoc_bmc_power_state', { ...bmc1, state: 'off' }, '1x20'),
            series('havoc_bmc_power_state', { ...bmc1, state: 'on' }, '0x20'),
          ],
          labels: { cluster: 'c1', instance: 'host1', severity: 'critical' },
          summary: 'Host host1 is down.',
          description: 'Host host1 of cluster c1 does not answer SSH, or its BMC reports its power off.',
        },
        {
          name: 'SSH does not connect (the BMC is unreachable too, so no power state)',
          series: [
            series(
              'havoc_scrape_error',
              { ...host1, module: 'host', collector: 'host', reason: 'ssh-connect' },
              '1x20',
            ),
          ],
          labels: { cluster: 'c1', instance: 'host1', severity: 'critical' },
          summary: 'Host host1 is down.',
          description: 'Host host1 of cluster c1 does not answer SSH, or its BMC reports its power off.',
        },
      ],
      silent: [
        {
          name: 'powered on, SSH works; a parse error is not "down"',
          series: [
            series('havoc_bmc_power_state', { ...bmc1, state: 'off' }, '0x20'),
            series('havoc_bmc_power_state', { ...bmc1, state: 'on' }, '1x20'),
            series(
              'havoc_scrape_error',
              { ...host1, module: 'host', collector: 'host', reason: 'host-parse' },
              '1x20',
            ),
          ],
        },
      ],
    },
    {
      alert: 'BondDegraded',
      expr: 'havoc_bond_degraded{job="havoc-host"} == 1',
      for: '2m',
      forWhy:
        'LACP needs up to 90 s (three slow-rate periods) to bring a slave back after a link flap; past two minutes the redundancy is really gone',
      severity: 'warning',
      summary: 'Bond {{ $labels.bond }} of {{ $labels.instance }} lost redundancy.',
      description:
        'Bond {{ $labels.bond }} on host {{ $labels.instance }} has fewer working slaves than the inventory configures (or, in 802.3ad, no active aggregator, no LACP partner, or a slave outside the aggregator): one more failure cuts the host off that network.',
      runbook:
        'Look at havoc_bond_slave_mii_state and the slave LACP flags for the bond; check the cable, the switch port (HASwitchPortDown) and the switch LAG configuration; `cat /proc/net/bonding/BOND` on the host.',
      meaning: 'A bond has fewer working slaves than configured (or a broken 802.3ad aggregation).',
      fires: [
        {
          name: 'one slave down',
          series: [series('havoc_bond_degraded', { ...host1, bond: 'bond0' }, '1x20')],
          labels: { ...host1, bond: 'bond0', severity: 'warning' },
          summary: 'Bond bond0 of host1 lost redundancy.',
          description:
            'Bond bond0 on host host1 has fewer working slaves than the inventory configures (or, in 802.3ad, no active aggregator, no LACP partner, or a slave outside the aggregator): one more failure cuts the host off that network.',
        },
      ],
      silent: [
        {
          name: 'bond healthy',
          series: [series('havoc_bond_degraded', { ...host1, bond: 'bond0' }, '0x20')],
        },
      ],
    },
    {
      alert: 'BondLacpPartnerMismatch',
      expr: 'count by (cluster, job, instance, bond) (count by (cluster, job, instance, bond, partner_mac, partner_key) (havoc_bond_slave_lacp_partner_info{job="havoc-host"} == 1)) > 1',
      for: '2m',
      forWhy:
        'while a switch stack re-forms its members may briefly answer with different system ids; two minutes of disagreement is a miscabled or misconfigured LAG',
      severity: 'critical',
      summary: 'Slaves of bond {{ $labels.bond }} on {{ $labels.instance }} see different LACP partners.',
      description:
        'The slaves of 802.3ad bond {{ $labels.bond }} on host {{ $labels.instance }} report {{ $value }} different LACP partners (system MAC or key): they are plugged into ports of different LAGs or switches, so only one aggregator carries traffic.',
      runbook:
        'Compare havoc_bond_slave_lacp_partner_info per slave with the switch LAG membership (havoc_switch_port_lacp_partner_info); fix the cabling or put the switch ports into one port-channel / MLAG.',
      meaning: 'The slaves of an 802.3ad bond see different LACP partners: they are not in one LAG.',
      fires: [
        {
          name: 'two partners',
          series: [
            series(
              'havoc_bond_slave_lacp_partner_info',
              { ...host1, bond: 'bond0', slave: 'eth0', partner_mac: '02:00:00:00:00:01', partner_key: '9' },
              '1x20',
            ),
            series(
              'havoc_bond_slave_lacp_partner_info',
              { ...host1, bond: 'bond0', slave: 'eth1', partner_mac: '02:00:00:00:00:02', partner_key: '9' },
              '1x20',
            ),
          ],
          labels: { ...host1, bond: 'bond0', severity: 'critical' },
          summary: 'Slaves of bond bond0 on host1 see different LACP partners.',
          description:
            'The slaves of 802.3ad bond bond0 on host host1 report 2 different LACP partners (system MAC or key): they are plugged into ports of different LAGs or switches, so only one aggregator carries traffic.',
        },
      ],
      silent: [
        {
          name: 'one partner for both slaves',
          series: [
            series(
              'havoc_bond_slave_lacp_partner_info',
              { ...host1, bond: 'bond0', slave: 'eth0', partner_mac: '02:00:00:00:00:01', partner_key: '9' },
              '1x20',
            ),
            series(
              'havoc_bond_slave_lacp_partner_info',
              { ...host1, bond: 'bond0', slave: 'eth1', partner_mac: '02:00:00:00:00:01', partner_key: '9' },
              '1x20',
            ),
          ],
        },
      ],
    },
    {
      alert: 'BondSlaveOutsideAggregator',
      expr: 'havoc_bond_slave_in_active_aggregator{job="havoc-host"} == 0',
      for: '2m',
      forWhy:
        'a slave joins the aggregator after LACP negotiation (up to 90 s at the slow rate); two minutes outside it is a mismatch',
      severity: 'warning',
      summary:
        'Slave {{ $labels.slave }} of bond {{ $labels.bond }} on {{ $labels.instance }} is outside the active aggregator.',
      description:
        'Slave {{ $labels.slave }} of 802.3ad bond {{ $labels.bond }} on host {{ $labels.instance }} is not in the active aggregator: it carries no traffic, and the bond has less capacity and redundancy than it looks.',
      runbook:
        'Check the aggregator ids of the slaves (havoc_bond_slave_aggregator_id) and the partner keys; usually the switch port is not in the same port-channel as the others, or LACP is off on it.',
      meaning: 'A bond slave is not in the active 802.3ad aggregator (aggregator mismatch).',
      fires: [
        {
          name: 'eth1 in another aggregator',
          series: [
            series(
              'havoc_bond_slave_in_active_aggregator',
              { ...host1, bond: 'bond0', slave: 'eth1' },
              '0x20',
            ),
          ],
          labels: { ...host1, bond: 'bond0', slave: 'eth1', severity: 'warning' },
          summary: 'Slave eth1 of bond bond0 on host1 is outside the active aggregator.',
          description:
            'Slave eth1 of 802.3ad bond bond0 on host host1 is not in the active aggregator: it carries no traffic, and the bond has less capacity and redundancy than it looks.',
        },
      ],
      silent: [
        {
          name: 'in the aggregator',
          series: [
            series(
              'havoc_bond_slave_in_active_aggregator',
              { ...host1, bond: 'bond0', slave: 'eth1' },
              '1x20',
            ),
          ],
        },
      ],
    },
    {
      alert: 'NicMtuMismatch',
      expr: 'havoc_nic_mtu_mismatch{job="havoc-host"} == 1',
      for: '5m',
      forWhy:
        'an MTU is changed by hand during maintenance, one interface at a time; five minutes lets a planned change finish',
      severity: 'warning',
      summary: 'MTU of {{ $labels.nic }} on {{ $labels.instance }} differs from the inventory.',
      description:
        'Interface {{ $labels.nic }} on host {{ $labels.instance }} runs an MTU other than the one its networks need (havoc_nic_mtu_bytes vs havoc_nic_mtu_expected_bytes): jumbo frames on storage or migration traffic are dropped or fragmented.',
      runbook:
        'Set the MTU the inventory expects (`ip link set NIC mtu N`, and in the host network configuration so it survives a reboot); check the switch port MTU too.',
      meaning: 'A NIC runs another MTU than its networks need (lost jumbo frames).',
      fires: [
        {
          name: 'storage NIC at 1500 instead of 9000',
          series: [series('havoc_nic_mtu_mismatch', { ...host1, nic: 'eth1' }, '1x20')],
          labels: { ...host1, nic: 'eth1', severity: 'warning' },
          summary: 'MTU of eth1 on host1 differs from the inventory.',
          description:
            'Interface eth1 on host host1 runs an MTU other than the one its networks need (havoc_nic_mtu_bytes vs havoc_nic_mtu_expected_bytes): jumbo frames on storage or migration traffic are dropped or fragmented.',
        },
      ],
      silent: [
        {
          name: 'MTU as expected',
          series: [series('havoc_nic_mtu_mismatch', { ...host1, nic: 'eth1' }, '0x20')],
        },
      ],
    },
  ],
};
