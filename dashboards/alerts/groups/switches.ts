import { probeTarget, type RuleGroup, series } from '../rule.js';

const sw = probeTarget('switch', 'switch1');
const port = { port: 'swp2', host: 'host1', nic: 'eth1', networks: 'storage' };

export const switchesGroup: RuleGroup = {
  name: 'havoc-switches',
  title: 'Switch ports the hosts are plugged into',
  alerts: [
    {
      alert: 'HASwitchPortDown',
      expr: 'havoc_switch_host_port_up{job="havoc-switch"} == 0',
      for: '30s',
      forWhy:
        'a host port does not go down by itself for long (a flap shorter than this shows in the carrier counters); the network it carries (storage, heartbeat) is lost now, so page fast',
      severity: 'critical',
      summary: 'Switch port {{ $labels.port }} of {{ $labels.host }} ({{ $labels.networks }}) is down.',
      description:
        'Port {{ $labels.port }} on switch {{ $labels.instance }}, cabled to {{ $labels.host }} {{ $labels.nic }} for {{ $labels.networks }}, is down (admin or oper) or no longer listed by the switch.',
      runbook:
        'Check whether someone shut the port (ifAdminStatus down: `snmpget` or the switch CLI) or a fence disabled it (switch-port fencing: then the host was fenced on purpose); otherwise check the cable, the SFP and the host NIC; bring the port up once the cause is known.',
      meaning: 'A switch port the inventory cables to a host is down or missing.',
      fires: [
        {
          name: 'storage port down',
          series: [series('havoc_switch_host_port_up', { ...sw, ...port }, '0x20')],
          labels: { ...sw, ...port, severity: 'critical' },
          summary: 'Switch port swp2 of host1 (storage) is down.',
          description:
            'Port swp2 on switch switch1, cabled to host1 eth1 for storage, is down (admin or oper) or no longer listed by the switch.',
        },
      ],
      silent: [
        { name: 'port up', series: [series('havoc_switch_host_port_up', { ...sw, ...port }, '1x20')] },
      ],
    },
  ],
};
