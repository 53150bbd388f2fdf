import { type AlertRule, probeTarget, type RuleGroup, series } from '../rule.js';

const cl = probeTarget('cluster', 'c1');
const PCMK_INFINITY = 1000000;

function nodeAlert(
  alert: string,
  metric: string,
  bad: string,
  good: string,
  o: Pick<AlertRule, 'for' | 'forWhy' | 'severity' | 'runbook' | 'meaning'> & { what: string; why: string },
): AlertRule {
  const summary = (node: string) => `Pacemaker node ${node} is ${o.what}.`;
  const description = (node: string, cluster: string) =>
    `Node ${node} of cluster ${cluster} is ${o.what}: ${o.why}`;
  return {
    alert,
    expr: `${metric}{job="havoc-cluster"} == ${bad}`,
    for: o.for,
    forWhy: o.forWhy,
    severity: o.severity,
    summary: summary('{{ $labels.node }}'),
    description: description('{{ $labels.node }}', '{{ $labels.instance }}'),
    runbook: o.runbook,
    meaning: o.meaning,
    fires: [
      {
        name: `host2 ${o.what}`,
        series: [
          series(metric, { ...cl, node: 'host2' }, `${bad}x20`),
          series(metric, { ...cl, node: 'host1' }, `${good}x20`),
        ],
        labels: { ...cl, node: 'host2', severity: o.severity },
        summary: summary('host2'),
        description: description('host2', 'c1'),
      },
    ],
    silent: [{ name: 'every node fine', series: [series(metric, { ...cl, node: 'host2' }, `${good}x20`)] }],
  };
}

export const pacemakerGroup: RuleGroup = {
  name: 'havoc-pacemaker',
  title: 'Pacemaker: nodes, fencing, resources, constraints',
  alerts: [
    nodeAlert('PacemakerNodeOffline', 'havoc_pacemaker_node_online', '0', '1', {
      what: 'offline',
      why: 'its resources run elsewhere (or nowhere), and the cluster has one node less to fail over to.',
      for: '30s',
      forWhy:
        'a node leaves the membership for a corosync token timeout or two during a network glitch; thirty seconds offline is a node that is gone',
      severity: 'warning',
      runbook:
        'Check HostDown and PacemakerFenceFailed for the node; once the host is back, start the cluster stack on it (`pcs cluster start` / `crm cluster start`) and check it rejoins; HACapacityLost tells whether the survivors still cover a further failure.',
      meaning: 'A Pacemaker node is offline.',
    }),
    nodeAlert('PacemakerNodeUnclean', 'havoc_pacemaker_node_unclean', '1', '0', {
      what: 'unclean',
      why: 'Pacemaker must fence it before its resources can be recovered, and it has not managed to yet.',
      for: '1m',
      forWhy:
        'a node is unclean from the moment it is lost until its fence completes, seconds normally (pcmk_delay included); a minute means the fence is not happening',
      severity: 'critical',
      runbook:
        'Check FencingNotReady and PacemakerFenceFailed for the node and `stonith_admin --history NODE`; if the node is verifiably powered off, `stonith_admin --confirm NODE` lets Pacemaker recover (only when you are sure).',
      meaning: 'A node must be fenced before its resources can recover, and still is not.',
    }),
    {
      alert: 'PacemakerNodePendingFence',
      expr: 'havoc_pacemaker_fence_pending{job="havoc-cluster"} == 1',
      for: '1m',
      forWhy:
        'a fence through a BMC takes 2-20 s (fence_ipmilan against a dead BMC: ~20 s per try); a minute pending is a fence that hangs',
      severity: 'critical',
      summary: 'A fence of {{ $labels.node }} is pending.',
      description:
        'A fence of node {{ $labels.node }} in cluster {{ $labels.instance }} has been in progress for over a minute: its resources stay down until it completes.',
      runbook:
        'Check the fence device of the node (BmcUnreachable, BmcAuthFailing, the switch for switch-port fencing) and `stonith_admin --history NODE`; fix the device, or confirm a manual power-off with `stonith_admin --confirm NODE`.',
      meaning: 'A fence of a node has been pending for over a minute.',
      fires: [
        {
          name: 'pending',
          series: [series('havoc_pacemaker_fence_pending', { ...cl, node: 'host2' }, '1x20')],
          labels: { ...cl, node: 'host2', severity: 'critical' },
          summary: 'A fence of host2 is pending.',
          description:
            'A fence of node host2 in cluster c1 has been in progress for over a minute: its resources stay down until it completes.',
        },
      ],
      silent: [
        {
          name: 'no fence pending (the series is absent)',
          series: [series('havoc_pacemaker_node_online', { ...cl, node: 'host2' }, '1x20')],
        },
      ],
    },
    {
      alert: 'PacemakerFenceFailed',
      expr: 'havoc_pacemaker_last_fence_success{job="havoc-cluster"} == 0',
      for: '0s',
      forWhy:
        'none: the last fence of the node failed, a fact that does not go away by waiting (a later successful fence resolves it)',
      severity: 'critical',
      summary: 'The last fence of {{ $labels.node }} failed.',
      description:
        'The most recent completed fence of node {{ $labels.node }} in cluster {{ $labels.instance }} failed: Pacemaker cannot recover its resources until a fence succeeds.',
      runbook:
        'Read `stonith_admin --history NODE --verbose` for the device and error; test the device with `havoc fence status NODE`; fix it, then `stonith_admin --reboot NODE` or let Pacemaker retry.',
      meaning: 'The last fence of a node failed.',
      fires: [
        {
          name: 'failed',
          series: [series('havoc_pacemaker_last_fence_success', { ...cl, node: 'host2' }, '0x20')],
          labels: { ...cl, node: 'host2', severity: 'critical' },
          summary: 'The last fence of host2 failed.',
          description:
            'The most recent completed fence of node host2 in cluster c1 failed: Pacemaker cannot recover its resources until a fence succeeds.',
        },
      ],
      silent: [
        {
          name: 'succeeded',
          series: [series('havoc_pacemaker_last_fence_success', { ...cl, node: 'host2' }, '1x20')],
        },
      ],
    },
    {
      alert: 'PacemakerStonithDisabled',
      expr: 'havoc_pacemaker_stonith_enabled{job="havoc-cluster"} == 0 or on (job, instance) (count by (cluster, job, instance) (havoc_pacemaker_answered_by_info{job="havoc-cluster"}) unless on (job, instance) havoc_pacemaker_stonith_enabled{job="havoc-cluster"})',
      for: '5m',
      forWhy:
        'stonith is sometimes switched off for a few minutes of maintenance; five minutes off is a cluster left without fencing',
      severity: 'critical',
      summary: 'Fencing is disabled in cluster {{ $labels.instance }}.',
      description:
        'Pacemaker in cluster {{ $labels.instance }} runs with stonith-enabled=false (or does not say): a lost node is not fenced, and recovering its VMs elsewhere can run them twice.',
      runbook:
        'Configure working fence devices and set `stonith-enabled=true` (`crm_attribute --name stonith-enabled --update true`).',
      meaning: 'Pacemaker runs without fencing (stonith-enabled=false).',
      fires: [
        {
          name: 'stonith-enabled=false',
          series: [
            series('havoc_pacemaker_stonith_enabled', cl, '0x20'),
            series('havoc_pacemaker_answered_by_info', { ...cl, host: 'host1' }, '1x20'),
          ],
          labels: { ...cl, severity: 'critical' },
          summary: 'Fencing is disabled in cluster c1.',
          description:
            'Pacemaker in cluster c1 runs with stonith-enabled=false (or does not say): a lost node is not fenced, and recovering its VMs elsewhere can run them twice.',
        },
        {
          name: 'crm_mon answers without cluster_options (the series is absent)',
          series: [series('havoc_pacemaker_answered_by_info', { ...cl, host: 'host1' }, '1x20')],
          labels: { ...cl, severity: 'critical' },
          summary: 'Fencing is disabled in cluster c1.',
          description:
            'Pacemaker in cluster c1 runs with stonith-enabled=false (or does not say): a lost node is not fenced, and recovering its VMs elsewhere can run them twice.',
        },
      ],
      silent: [
        {
          name: 'stonith-enabled=true',
          series: [
            series('havoc_pacemaker_stonith_enabled', cl, '1x20'),
            series('havoc_pacemaker_answered_by_info', { ...cl, host: 'host1' }, '1x20'),
          ],
        },
      ],
    },
    {
      alert: 'PacemakerResourceFailed',
      expr: 'max by (cluster, job, instance, resource, node) (havoc_pacemaker_resource_failed{job="havoc-cluster"} == 1 or havoc_pacemaker_fail_count{job="havoc-cluster"} > 0)',
      for: '0s',
      forWhy:
        'none: a failure stays recorded (fail count) until someone cleans it up, so there is nothing transient to wait out',
      severity: 'warning',
      summary: 'Resource {{ $labels.resource }} failed on {{ $labels.node }}.',
      description:
        'Pacemaker resource {{ $labels.resource }} is failed, or has failed since the last cleanup, on node {{ $labels.node }} of cluster {{ $labels.instance }}: Pacemaker recovered it or is trying to, and the next failures move or stop it.',
      runbook:
        'Read the failure (`crm_mon -1 --failcounts`, the resource agent log on the node), fix the cause, then `crm_resource --cleanup -r RESOURCE --node NODE` to reset the fail count.',
      meaning: 'A Pacemaker resource failed (now, or since its fail count was last cleaned up).',
      fires: [
        {
          name: 'the VM was killed and restarted (fail count 1)',
          series: [
            series('havoc_pacemaker_resource_failed', { ...cl, resource: 'vm1', node: 'host1' }, '0x20'),
            series('havoc_pacemaker_fail_count', { ...cl, resource: 'vm1', node: 'host1' }, '1x20'),
          ],
          labels: { ...cl, resource: 'vm1', node: 'host1', severity: 'warning' },
          summary: 'Resource vm1 failed on host1.',
          description:
            'Pacemaker resource vm1 is failed, or has failed since the last cleanup, on node host1 of cluster c1: Pacemaker recovered it or is trying to, and the next failures move or stop it.',
        },
        {
          name: 'marked failed',
          series: [
            series('havoc_pacemaker_resource_failed', { ...cl, resource: 'vm1', node: 'host1' }, '1x20'),
          ],
          labels: { ...cl, resource: 'vm1', node: 'host1', severity: 'warning' },
          summary: 'Resource vm1 failed on host1.',
          description:
            'Pacemaker resource vm1 is failed, or has failed since the last cleanup, on node host1 of cluster c1: Pacemaker recovered it or is trying to, and the next failures move or stop it.',
        },
      ],
      silent: [
        {
          name: 'clean',
          series: [
            series('havoc_pacemaker_resource_failed', { ...cl, resource: 'vm1', node: 'host1' }, '0x20'),
          ],
        },
      ],
    },
    {
      alert: 'PacemakerFailCountNearThreshold',
      expr: `havoc_pacemaker_fail_count{job="havoc-cluster"} > 0 and on (job, instance, resource, node) havoc_pacemaker_fail_count{job="havoc-cluster"} >= on (job, instance, resource, node) (havoc_pacemaker_migration_threshold{job="havoc-cluster"} - 1) and on (job, instance, resource, node) havoc_pacemaker_migration_threshold{job="havoc-cluster"} < ${PCMK_INFINITY}`,
      for: '0s',
      forWhy: 'none: a fail count only grows until cleaned up',
      severity: 'warning',
      summary:
        'Resource {{ $labels.resource }} is {{ $value }} failure(s) into its migration threshold on {{ $labels.node }}.',
      description:
        'Resource {{ $labels.resource }} has failed {{ $value }} time(s) on node {{ $labels.node }} of cluster {{ $labels.instance }}, at most one below its migration-threshold: the next failure bans it from that node (or already did).',
      runbook:
        'Find out why it keeps failing on this node; `crm_resource --cleanup -r RESOURCE --node NODE` resets the count once fixed; a resource banned from every node stops.',
      meaning: 'A resource is one failure (or less) from its migration threshold on a node.',
      fires: [
        {
          name: '2 of 3',
          series: [
            series('havoc_pacemaker_fail_count', { ...cl, resource: 'vm1', node: 'host2' }, '2x20'),
            series('havoc_pacemaker_migration_threshold', { ...cl, resource: 'vm1', node: 'host2' }, '3x20'),
          ],
          labels: { ...cl, resource: 'vm1', node: 'host2', severity: 'warning' },
          summary: 'Resource vm1 is 2 failure(s) into its migration threshold on host2.',
          description:
            'Resource vm1 has failed 2 time(s) on node host2 of cluster c1, at most one below its migration-threshold: the next failure bans it from that node (or already did).',
        },
      ],
      silent: [
        {
          name: '1 of 3',
          series: [
            series('havoc_pacemaker_fail_count', { ...cl, resource: 'vm1', node: 'host2' }, '1x20'),
            series('havoc_pacemaker_migration_threshold', { ...cl, resource: 'vm1', node: 'host2' }, '3x20'),
          ],
        },
        {
          name: 'no threshold (INFINITY)',
          series: [
            series('havoc_pacemaker_fail_count', { ...cl, resource: 'vm1', node: 'host2' }, '5x20'),
            series(
              'havoc_pacemaker_migration_threshold',
              { ...cl, resource: 'vm1', node: 'host2' },
              `${PCMK_INFINITY}x20`,
            ),
          ],
        },
      ],
    },
    {
      alert: 'PacemakerCliConstraintLeftBehind',
      expr: 'havoc_pacemaker_cli_constraint{job="havoc-cluster"} == 1',
      for: '1h',
      forWhy:
        'a move or ban during maintenance is deliberate and short; an hour later it is usually forgotten, and it will pin or ban the VM in the next failover',
      severity: 'warning',
      summary: 'Leftover {{ $labels.kind }} constraint {{ $labels.constraint }} on {{ $labels.resource }}.',
      description:
        'Constraint {{ $labels.constraint }} ({{ $labels.kind }} {{ $labels.resource }} on {{ $labels.node }}), left by a move or ban, has been in cluster {{ $labels.instance }} for over an hour: it overrides placement and failover for that resource.',
      runbook:
        'If the move/ban is no longer wanted: `crm_resource --clear -r RESOURCE` (pcs resource clear, crm resource clear); otherwise replace it with a named constraint that says why.',
      meaning: 'A cli-prefer/cli-ban constraint from a move or ban is still in the CIB.',
      testMinutes: 80,
      fires: [
        {
          name: 'a ban',
          series: [
            series(
              'havoc_pacemaker_cli_constraint',
              { ...cl, constraint: 'cli-ban-vm1-on-host2', resource: 'vm1', node: 'host2', kind: 'ban' },
              '1x80',
            ),
          ],
          labels: {
            ...cl,
            constraint: 'cli-ban-vm1-on-host2',
            resource: 'vm1',
            node: 'host2',
            kind: 'ban',
            severity: 'warning',
          },
          summary: 'Leftover ban constraint cli-ban-vm1-on-host2 on vm1.',
          description:
            'Constraint cli-ban-vm1-on-host2 (ban vm1 on host2), left by a move or ban, has been in cluster c1 for over an hour: it overrides placement and failover for that resource.',
        },
      ],
      silent: [{ name: 'none (count 0)', series: [series('havoc_pacemaker_cli_constraints', cl, '0x80')] }],
    },
    {
      alert: 'PacemakerResourceBlocked',
      expr: 'havoc_pacemaker_resource_blocked{job="havoc-cluster"} == 1',
      for: '1m',
      forWhy:
        'a resource is blocked only while Pacemaker waits for a manual decision; a minute rules out a transition that clears it',
      severity: 'critical',
      summary: 'Resource {{ $labels.resource }} is blocked on {{ $labels.node }}.',
      description:
        'Pacemaker blocks resource {{ $labels.resource }} on node {{ $labels.node }} of cluster {{ $labels.instance }} (typically a failed stop without fencing to recover it): it will not be recovered automatically.',
      runbook:
        'Make sure the resource is really stopped on the node (or fence the node), then `crm_resource --cleanup -r RESOURCE`; enable fencing (on-fail=fence for stop) so this cannot recur.',
      meaning: 'Pacemaker blocks a resource: it will not recover it without a person.',
      fires: [
        {
          name: 'blocked',
          series: [
            series('havoc_pacemaker_resource_blocked', { ...cl, resource: 'vm1', node: 'host1' }, '1x20'),
          ],
          labels: { ...cl, resource: 'vm1', node: 'host1', severity: 'critical' },
          summary: 'Resource vm1 is blocked on host1.',
          description:
            'Pacemaker blocks resource vm1 on node host1 of cluster c1 (typically a failed stop without fencing to recover it): it will not be recovered automatically.',
        },
      ],
      silent: [
        {
          name: 'not blocked',
          series: [
            series('havoc_pacemaker_resource_blocked', { ...cl, resource: 'vm1', node: 'host1' }, '0x20'),
          ],
        },
      ],
    },
    {
      alert: 'PacemakerResourceUnmanaged',
      expr: 'havoc_pacemaker_resource_managed{job="havoc-cluster"} == 0',
      for: '30m',
      forWhy:
        'unmanaging a resource is a deliberate maintenance step; half an hour later it is probably forgotten, and the VM will not fail over',
      severity: 'warning',
      summary: 'Resource {{ $labels.resource }} is unmanaged.',
      description:
        'Resource {{ $labels.resource }} (on {{ $labels.node }}) of cluster {{ $labels.instance }} is not managed by Pacemaker (is-managed=false or maintenance): it is neither monitored nor failed over.',
      runbook:
        'When the maintenance is over: `crm_resource --resource RESOURCE --meta --delete-parameter is-managed` (or `pcs resource manage RESOURCE`).',
      meaning: 'Pacemaker does not manage a resource: no monitor, no failover.',
      testMinutes: 50,
      fires: [
        {
          name: 'unmanaged',
          series: [
            series('havoc_pacemaker_resource_managed', { ...cl, resource: 'vm2', node: 'host1' }, '0x50'),
          ],
          labels: { ...cl, resource: 'vm2', node: 'host1', severity: 'warning' },
          summary: 'Resource vm2 is unmanaged.',
          description:
            'Resource vm2 (on host1) of cluster c1 is not managed by Pacemaker (is-managed=false or maintenance): it is neither monitored nor failed over.',
        },
      ],
      silent: [
        {
          name: 'managed',
          series: [
            series('havoc_pacemaker_resource_managed', { ...cl, resource: 'vm2', node: 'host1' }, '1x50'),
          ],
        },
      ],
    },
    {
      alert: 'PacemakerMaintenanceMode',
      expr: 'havoc_pacemaker_maintenance_mode{job="havoc-cluster"} == 1',
      for: '30m',
      forWhy:
        'maintenance mode is deliberate; half an hour is long enough for planned work and short enough to catch a cluster left unprotected',
      severity: 'warning',
      summary: 'Cluster {{ $labels.instance }} is in maintenance mode.',
      description:
        'Pacemaker in cluster {{ $labels.instance }} runs with maintenance-mode=true: no resource is monitored, recovered or failed over.',
      runbook: 'When the maintenance is over: `crm_attribute --name maintenance-mode --delete`.',
      meaning: 'The whole cluster is in maintenance mode: nothing fails over.',
      testMinutes: 50,
      fires: [
        {
          name: 'maintenance-mode=true',
          series: [series('havoc_pacemaker_maintenance_mode', cl, '1x50')],
          labels: { ...cl, severity: 'warning' },
          summary: 'Cluster c1 is in maintenance mode.',
          description:
            'Pacemaker in cluster c1 runs with maintenance-mode=true: no resource is monitored, recovered or failed over.',
        },
      ],
      silent: [{ name: 'off', series: [series('havoc_pacemaker_maintenance_mode', cl, '0x50')] }],
    },
    {
      alert: 'PacemakerNoDc',
      expr: 'count by (cluster, job, instance) (havoc_pacemaker_answered_by_info{job="havoc-cluster"}) unless on (job, instance) havoc_pacemaker_dc_info{job="havoc-cluster"}',
      for: '1m',
      forWhy:
        'a DC election takes seconds after the DC is lost; a minute without one means the partition cannot decide anything',
      severity: 'critical',
      summary: 'Cluster {{ $labels.instance }} has no designated controller.',
      description:
        'crm_mon in cluster {{ $labels.instance }} answers but reports no DC: nothing is scheduled (no recovery, no fencing), and quorum is unknown.',
      runbook:
        'Check corosync membership and quorum on the nodes (`corosync-quorumtool -s`), and pacemaker-controld logs; a partition without quorum elects no useful DC.',
      meaning: 'Pacemaker has no DC: nothing is recovered or fenced.',
      fires: [
        {
          name: 'answered, no DC (quorate and dc_info absent)',
          series: [series('havoc_pacemaker_answered_by_info', { ...cl, host: 'host1' }, '1x20')],
          labels: { ...cl, severity: 'critical' },
          summary: 'Cluster c1 has no designated controller.',
          description:
            'crm_mon in cluster c1 answers but reports no DC: nothing is scheduled (no recovery, no fencing), and quorum is unknown.',
        },
      ],
      silent: [
        {
          name: 'a DC',
          series: [
            series('havoc_pacemaker_answered_by_info', { ...cl, host: 'host1' }, '1x20'),
            series('havoc_pacemaker_dc_info', { ...cl, node: 'host2' }, '1x20'),
          ],
        },
      ],
    },
  ],
};
