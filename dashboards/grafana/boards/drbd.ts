import { type DashboardSpec, sel } from '../panel-spec.js';

const H = 'havoc-host';
const NO_DRBD =
  'DRBD has no kernel module on the lab machines (the DRBD parsers are tested on captured drbdsetup output)';

export const drbd: DashboardSpec = {
  uid: 'havoc-drbd',
  title: 'havoc / DRBD',
  description:
    'Replication between hosts: connection, disk states, out-of-sync data, resync progress, split brain.',
  jobs: H,
  tags: ['havoc', 'storage'],
  rows: [
    {
      title: 'Replication',
      panels: [
        {
          title: 'Connected',
          description: 'Each resource towards each peer: 1 Connected.',
          kind: 'state-timeline',
          unit: 'bool',
          targets: [
            {
              expr: sel('havoc_drbd_connection_state', H, 'state="Connected"'),
              legend: '{{instance}} {{resource}} -> {{peer}}',
            },
          ],
          emptyInLab: NO_DRBD,
        },
        {
          title: 'Degraded',
          description:
            '1 when a resource is not fully redundant (disk, peer disk, connection or replication).',
          kind: 'state-timeline',
          unit: 'bool',
          targets: [{ expr: sel('havoc_drbd_degraded', H), legend: '{{instance}} {{resource}}' }],
          emptyInLab: NO_DRBD,
        },
        {
          title: 'Split brain',
          description: '1 when a split brain is detected or suspected.',
          kind: 'stat',
          unit: 'bool',
          targets: [
            { expr: sel('havoc_drbd_split_brain', H), legend: '{{instance}} {{resource}}', instant: true },
          ],
          emptyInLab: NO_DRBD,
        },
      ],
    },
    {
      title: 'Sync',
      panels: [
        {
          title: 'Out of sync',
          description: 'Data not yet in sync with each peer; it must shrink during a resync.',
          kind: 'timeseries',
          unit: 'bytes',
          targets: [
            {
              expr: sel('havoc_drbd_out_of_sync_bytes', H),
              legend: '{{instance}} {{resource}}/{{volume}} -> {{peer}}',
            },
          ],
          emptyInLab: NO_DRBD,
        },
        {
          title: 'Resync progress',
          description: 'Progress of a running resync or verify.',
          kind: 'timeseries',
          unit: 'percentunit',
          targets: [
            {
              expr: sel('havoc_drbd_resync_done_ratio', H),
              legend: '{{instance}} {{resource}}/{{volume}} -> {{peer}}',
            },
          ],
          emptyInLab: NO_DRBD,
          emptyWhileHealthy: 'only a running resync or verify has a progress',
        },
      ],
    },
  ],
};
