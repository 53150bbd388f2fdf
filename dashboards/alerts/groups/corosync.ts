import { probeTarget, type RuleGroup, series } from '../rule.js';

const cl = probeTarget('cluster', 'c1');

export const corosyncGroup: RuleGroup = {
  name: 'havoc-corosync',
  title: 'corosync: quorum and knet links',
  alerts: [
    {
      alert: 'ClusterQuorumLost',
      expr: 'havoc_corosync_quorate{job="havoc-cluster"} == 0 or on (job, instance) (havoc_pacemaker_quorate{job="havoc-cluster"} == 0)',
      for: '30s',
      forWhy:
        'a membership change settles within a token timeout (seconds); thirty seconds without quorum means the partition has stopped its resources (no-quorum-policy)',
      severity: 'critical',
      summary:
        'Cluster {{ $labels.instance }} lost quorum{{ if $labels.node }} on {{ $labels.node }}{{ end }}.',
      description:
        'The corosync partition of {{ if $labels.node }}node {{ $labels.node }}{{ else }}the node that answered{{ end }} in cluster {{ $labels.instance }} is not quorate: resources there are stopped and nothing is recovered.',
      runbook:
        'Check which nodes are members (`corosync-quorumtool -s` on each), the heartbeat links (CorosyncLinkDown) and the nodes that are down; bring nodes back rather than lowering expected votes, unless you are sure the others are off.',
      meaning: 'A corosync partition is not quorate: its resources are stopped.',
      fires: [
        {
          name: 'corosync says not quorate on host1',
          series: [
            series('havoc_corosync_quorate', { ...cl, node: 'host1' }, '0x20'),
            series('havoc_corosync_quorate', { ...cl, node: 'host2' }, '1x20'),
          ],
          labels: { ...cl, node: 'host1', severity: 'critical' },
          summary: 'Cluster c1 lost quorum on host1.',
          description:
            'The corosync partition of node host1 in cluster c1 is not quorate: resources there are stopped and nothing is recovered.',
        },
        {
          name: 'only Pacemaker answered (corosync series absent) and says without quorum',
          series: [series('havoc_pacemaker_quorate', cl, '0x20')],
          labels: { ...cl, severity: 'critical' },
          summary: 'Cluster c1 lost quorum.',
          description:
            'The corosync partition of the node that answered in cluster c1 is not quorate: resources there are stopped and nothing is recovered.',
        },
      ],
      silent: [
        {
          name: 'quorate everywhere',
          series: [
            series('havoc_corosync_quorate', { ...cl, node: 'host1' }, '1x20'),
            series('havoc_corosync_quorate', { ...cl, node: 'host2' }, '1x20'),
            series('havoc_pacemaker_quorate', cl, '1x20'),
          ],
        },
      ],
    },
    {
      alert: 'CorosyncLinkDown',
      expr: 'havoc_corosync_link_connected{job="havoc-cluster"} == 0 unless on (job, instance, peer) label_replace(havoc_pacemaker_node_online{job="havoc-cluster"} == 0, "peer", "$1", "node", "(.*)")',
      for: '1m',
      forWhy:
        'knet marks a link down after a few lost pings and up again as soon as they return; a minute down is a broken heartbeat path, not a blip',
      severity: 'warning',
      summary: 'corosync link {{ $labels.link }} from {{ $labels.node }} to {{ $labels.peer }} is down.',
      description:
        'Knet link {{ $labels.link }} between {{ $labels.node }} and {{ $labels.peer }} in cluster {{ $labels.instance }} is down while the peer is still online: the cluster runs on fewer heartbeat paths, and losing the rest splits it.',
      runbook:
        'Check the network of that link (`corosync-cfgtool -s` shows its address): switch port (HASwitchPortDown), NIC, MTU, firewall; `corosync-cfgtool -R` after fixing if the link does not come back by itself.',
      meaning: 'A corosync heartbeat link between two online nodes is down.',
      fires: [
        {
          name: 'link 0 down, peer online',
          series: [
            series(
              'havoc_corosync_link_connected',
              { ...cl, node: 'host1', link: '0', peer: 'host2' },
              '0x20',
            ),
            series(
              'havoc_corosync_link_connected',
              { ...cl, node: 'host1', link: '1', peer: 'host2' },
              '1x20',
            ),
            series('havoc_pacemaker_node_online', { ...cl, node: 'host2' }, '1x20'),
          ],
          labels: { ...cl, node: 'host1', link: '0', peer: 'host2', severity: 'warning' },
          summary: 'corosync link 0 from host1 to host2 is down.',
          description:
            'Knet link 0 between host1 and host2 in cluster c1 is down while the peer is still online: the cluster runs on fewer heartbeat paths, and losing the rest splits it.',
        },
      ],
      silent: [
        {
          name: 'links up',
          series: [
            series(
              'havoc_corosync_link_connected',
              { ...cl, node: 'host1', link: '0', peer: 'host2' },
              '1x20',
            ),
          ],
        },
        {
          name: 'the peer is offline (PacemakerNodeOffline says so)',
          series: [
            series(
              'havoc_corosync_link_connected',
              { ...cl, node: 'host1', link: '0', peer: 'host2' },
              '0x20',
            ),
            series('havoc_pacemaker_node_online', { ...cl, node: 'host2' }, '0x20'),
          ],
        },
      ],
    },
    {
      alert: 'CorosyncNodeNotAnswering',
      expr: 'havoc_corosync_node_answered{job="havoc-cluster"} == 0 unless on (job, instance, node) havoc_pacemaker_node_online{job="havoc-cluster"} == 0',
      for: '2m',
      forWhy:
        'an SSH connection to a loaded node can miss the probe deadline; two minutes of silence from a node Pacemaker calls online is a blind spot',
      severity: 'warning',
      summary: 'havoc cannot read corosync on {{ $labels.node }}.',
      description:
        'corosync-cfgtool does not answer on node {{ $labels.node }} of cluster {{ $labels.instance }}, which Pacemaker says is online: its links and quorum view are not monitored.',
      runbook:
        'Check SSH to the node as the inventory user and that corosync-cfgtool runs for that user (it needs root or the haclient group).',
      meaning: 'havoc cannot read corosync on a node that is online.',
      fires: [
        {
          name: 'no answer from an online node',
          series: [
            series('havoc_corosync_node_answered', { ...cl, node: 'host1' }, '0x20'),
            series('havoc_pacemaker_node_online', { ...cl, node: 'host1' }, '1x20'),
          ],
          labels: { ...cl, node: 'host1', severity: 'warning' },
          summary: 'havoc cannot read corosync on host1.',
          description:
            'corosync-cfgtool does not answer on node host1 of cluster c1, which Pacemaker says is online: its links and quorum view are not monitored.',
        },
      ],
      silent: [
        {
          name: 'answers',
          series: [series('havoc_corosync_node_answered', { ...cl, node: 'host1' }, '1x20')],
        },
        {
          name: 'the node is offline',
          series: [
            series('havoc_corosync_node_answered', { ...cl, node: 'host1' }, '0x20'),
            series('havoc_pacemaker_node_online', { ...cl, node: 'host1' }, '0x20'),
          ],
        },
      ],
    },
  ],
  records: [
    {
      record: 'havoc:corosync_links_down:sum',
      expr: 'sum by (cluster, job, instance) (1 - havoc_corosync_link_connected{job="havoc-cluster"})',
      test: {
        series: [
          series('havoc_corosync_link_connected', { ...cl, node: 'host1', link: '0', peer: 'host2' }, '0x5'),
          series('havoc_corosync_link_connected', { ...cl, node: 'host1', link: '1', peer: 'host2' }, '1x5'),
          series('havoc_corosync_link_connected', { ...cl, node: 'host2', link: '0', peer: 'host1' }, '0x5'),
        ],
        at: 2,
        samples: [
          {
            labels: 'havoc:corosync_links_down:sum{cluster="c1",job="havoc-cluster",instance="c1"}',
            value: 2,
          },
        ],
      },
    },
    {
      record: 'havoc:pacemaker_nodes_online:sum',
      expr: 'sum by (cluster, job, instance) (havoc_pacemaker_node_online{job="havoc-cluster"})',
      test: {
        series: [
          series('havoc_pacemaker_node_online', { ...cl, node: 'host1' }, '1x5'),
          series('havoc_pacemaker_node_online', { ...cl, node: 'host2' }, '0x5'),
        ],
        at: 2,
        samples: [
          {
            labels: 'havoc:pacemaker_nodes_online:sum{cluster="c1",job="havoc-cluster",instance="c1"}',
            value: 1,
          },
        ],
      },
    },
  ],
};
