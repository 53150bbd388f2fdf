import { type DashboardSpec, sel } from '../panel-spec.js';

const C = 'havoc-cluster';

export const haOverview: DashboardSpec = {
  uid: 'havoc-ha-overview',
  title: 'havoc / Cluster HA overview',
  description:
    'Can the cluster absorb the next failure? Capacity, fencing, membership, quorum, VMs and firing HA alerts.',
  jobs: 'havoc-cluster|havoc-host',
  tags: ['havoc', 'ha'],
  rows: [
    {
      title: 'Can it absorb the next failure',
      panels: [
        {
          title: 'Host failures tolerated',
          description:
            'How many live hosts may fail with every HA VM still placed on the survivors (capacity plan); below the required number the cluster has lost HA capacity.',
          kind: 'stat',
          unit: 'short',
          targets: [
            { expr: sel('havoc_ha_failures_tolerated', C), legend: 'tolerated {{instance}}', instant: true },
          ],
        },
        {
          title: 'Host failures required',
          description:
            'Host failures the inventory says the cluster must absorb (cluster.failuresToTolerate).',
          kind: 'stat',
          unit: 'short',
          targets: [
            { expr: sel('havoc_ha_failures_to_tolerate', C), legend: 'required {{instance}}', instant: true },
          ],
        },
        {
          title: 'Fencing ready per host',
          description:
            '1 when at least one fencing level of the host has every device answering: the host can be fenced now.',
          kind: 'stat',
          unit: 'bool',
          targets: [{ expr: sel('havoc_fencing_ready', C), legend: '{{host}}', instant: true }],
        },
      ],
    },
    {
      title: 'Membership and quorum',
      panels: [
        {
          title: 'Pacemaker nodes online',
          description: 'Each node as Pacemaker sees it: 1 online, 0 offline.',
          kind: 'state-timeline',
          unit: 'bool',
          targets: [{ expr: sel('havoc_pacemaker_node_online', C), legend: '{{node}}' }],
        },
        {
          title: 'corosync quorum per node',
          description: "Each node's corosync partition: 1 quorate, 0 not.",
          kind: 'state-timeline',
          unit: 'bool',
          targets: [{ expr: sel('havoc_corosync_quorate', C), legend: '{{node}}' }],
        },
        {
          title: 'corosync links',
          description: 'Each knet link from a node to a peer: 1 connected, 0 down.',
          kind: 'state-timeline',
          unit: 'bool',
          targets: [
            { expr: sel('havoc_corosync_link_connected', C), legend: '{{node}} link {{link}} -> {{peer}}' },
          ],
        },
      ],
    },
    {
      title: 'VMs and fences',
      panels: [
        {
          title: 'VMs by host and state',
          description: 'Every VM a host runs, with its state (libvirt, xl or QMP).',
          kind: 'table',
          unit: 'none',
          targets: [{ expr: `${sel('havoc_vm_state', 'havoc-host')} == 1`, instant: true }],
        },
        {
          title: 'HA VMs: nodes running them',
          description:
            'For every HA VM of the inventory, the nodes its Pacemaker resource runs on: 0 down, 1 fine, 2 running twice.',
          kind: 'stat',
          unit: 'short',
          targets: [{ expr: sel('havoc_pacemaker_vm_active_nodes', C), legend: '{{vm}}', instant: true }],
        },
        {
          title: 'Last fence per node',
          description: 'When the last completed fence of each node finished.',
          kind: 'table',
          unit: 'dateTimeAsIso',
          targets: [
            { expr: `${sel('havoc_pacemaker_last_fence_timestamp_seconds', C)} * 1000`, instant: true },
          ],
          emptyWhileHealthy: 'a node that was never fenced has no fence record in the stonith history',
        },
        {
          title: 'Firing HA alerts',
          description: 'Alerts of the havoc rules firing now, for the selected clusters.',
          kind: 'table',
          unit: 'none',
          targets: [{ expr: 'ALERTS{alertstate="firing", cluster=~"$cluster"}', instant: true }],
          emptyWhileHealthy: 'no havoc alert fires on a healthy cluster',
          lintExceptions: [
            {
              rule: 'target-job',
              reason:
                "ALERTS carries each alert's own labels; alerts computed by aggregation (HostDown, HACapacityLost) have no job",
            },
            {
              rule: 'target-instance',
              reason:
                'ALERTS of cluster-wide alerts carry no instance of a host; filtering by $instance would hide them',
            },
          ],
        },
      ],
    },
  ],
};
