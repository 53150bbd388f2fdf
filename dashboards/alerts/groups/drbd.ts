import { probeTarget, type RuleGroup, series } from '../rule.js';

const host1 = probeTarget('host', 'host1');

export const drbdGroup: RuleGroup = {
  name: 'havoc-drbd',
  title: 'DRBD replication between hosts',
  alerts: [
    {
      alert: 'DrbdDisconnected',
      expr: 'havoc_drbd_connection_state{job="havoc-host",state="Connected"} == 0',
      for: '1m',
      forWhy:
        'DRBD reconnects by itself within seconds after a short network loss (ping-int 10 s, connect-int 10 s); a minute without a connection is a real outage of replication',
      severity: 'critical',
      summary:
        'DRBD {{ $labels.resource }} on {{ $labels.instance }} is not connected to {{ $labels.peer }}.',
      description:
        'DRBD resource {{ $labels.resource }} on host {{ $labels.instance }} has no connection to peer {{ $labels.peer }}: writes are not replicated, and a failure of this host loses them.',
      runbook:
        'Check the replication network (switch ports, MTU, nftables) and `drbdadm status RESOURCE` on both hosts; if one side is StandAlone, look for a split brain (DrbdSplitBrain) before `drbdadm connect`.',
      meaning: 'A DRBD resource has no connection to its peer: writes are not replicated.',
      fires: [
        {
          name: 'Connecting instead of Connected',
          series: [
            series(
              'havoc_drbd_connection_state',
              { ...host1, resource: 'r0', peer: 'host2', state: 'Connected' },
              '0x20',
            ),
            series(
              'havoc_drbd_connection_state',
              { ...host1, resource: 'r0', peer: 'host2', state: 'Connecting' },
              '1x20',
            ),
          ],
          labels: { ...host1, resource: 'r0', peer: 'host2', state: 'Connected', severity: 'critical' },
          summary: 'DRBD r0 on host1 is not connected to host2.',
          description:
            'DRBD resource r0 on host host1 has no connection to peer host2: writes are not replicated, and a failure of this host loses them.',
        },
      ],
      silent: [
        {
          name: 'Connected',
          series: [
            series(
              'havoc_drbd_connection_state',
              { ...host1, resource: 'r0', peer: 'host2', state: 'Connected' },
              '1x20',
            ),
            series(
              'havoc_drbd_connection_state',
              { ...host1, resource: 'r0', peer: 'host2', state: 'Connecting' },
              '0x20',
            ),
          ],
        },
      ],
    },
    {
      alert: 'DrbdDegraded',
      expr: 'havoc_drbd_degraded{job="havoc-host"} == 1',
      for: '2m',
      forWhy:
        'a resync after a reconnect is normal and short for a small bitmap; two minutes of degradation is more than a blip, and DrbdOutOfSyncNotShrinking watches long resyncs',
      severity: 'critical',
      summary: 'DRBD {{ $labels.resource }} on {{ $labels.instance }} is degraded.',
      description:
        'DRBD resource {{ $labels.resource }} on host {{ $labels.instance }} is not fully redundant: a disk not UpToDate here or on a peer, a peer not Connected, replication not Established, or the resource missing on the host.',
      runbook:
        'Run `drbdadm status RESOURCE` on the host; a Diskless or Failed disk needs the backing device checked (dmesg, SMART); Inconsistent/Outdated disks need a resync to finish; a missing resource needs `drbdadm up RESOURCE`.',
      meaning: 'A DRBD resource is not fully redundant (disk, peer disk, connection or replication).',
      fires: [
        {
          name: 'peer disk Outdated',
          series: [series('havoc_drbd_degraded', { ...host1, resource: 'r0' }, '1x20')],
          labels: { ...host1, resource: 'r0', severity: 'critical' },
          summary: 'DRBD r0 on host1 is degraded.',
          description:
            'DRBD resource r0 on host host1 is not fully redundant: a disk not UpToDate here or on a peer, a peer not Connected, replication not Established, or the resource missing on the host.',
        },
      ],
      silent: [
        {
          name: 'UpToDate everywhere',
          series: [series('havoc_drbd_degraded', { ...host1, resource: 'r0' }, '0x20')],
        },
      ],
    },
    {
      alert: 'DrbdSplitBrain',
      expr: 'havoc_drbd_split_brain{job="havoc-host"} == 1',
      for: '0s',
      forWhy:
        'none: a split brain never heals by itself and every minute of writes on both sides is data someone must throw away',
      severity: 'critical',
      summary:
        'DRBD {{ $labels.resource }} on {{ $labels.instance }} is in split brain with {{ $labels.peer }}.',
      description:
        'DRBD resource {{ $labels.resource }} on host {{ $labels.instance }} detected (or, StandAlone, suspects) a split brain with peer {{ $labels.peer }}: both sides may have written data the other lacks.',
      runbook:
        'Stop writes (stop the VMs using the resource), decide which side to keep, then on the victim `drbdadm disconnect RESOURCE; drbdadm secondary RESOURCE; drbdadm connect --discard-my-data RESOURCE` and on the survivor `drbdadm connect RESOURCE`; find out why fencing did not prevent it.',
      meaning: 'A DRBD resource is in split brain: both sides may have diverged.',
      fires: [
        {
          name: 'split brain with host2',
          series: [series('havoc_drbd_split_brain', { ...host1, resource: 'r0', peer: 'host2' }, '1x20')],
          labels: { ...host1, resource: 'r0', peer: 'host2', severity: 'critical' },
          summary: 'DRBD r0 on host1 is in split brain with host2.',
          description:
            'DRBD resource r0 on host host1 detected (or, StandAlone, suspects) a split brain with peer host2: both sides may have written data the other lacks.',
        },
      ],
      silent: [
        {
          name: 'no split brain',
          series: [series('havoc_drbd_split_brain', { ...host1, resource: 'r0', peer: 'host2' }, '0x20')],
        },
      ],
    },
    {
      alert: 'DrbdOutOfSyncNotShrinking',
      expr: 'havoc_drbd_out_of_sync_bytes{job="havoc-host"} > 0 and deriv(havoc_drbd_out_of_sync_bytes{job="havoc-host"}[10m]) >= 0',
      for: '15m',
      forWhy:
        'a resync that makes progress shrinks the out-of-sync amount every scrape; a quarter of an hour without shrinking is a stalled resync or the stale bitmap of LINBIT/drbd#128',
      severity: 'warning',
      summary:
        'DRBD {{ $labels.resource }} on {{ $labels.instance }}: out-of-sync data towards {{ $labels.peer }} does not shrink.',
      description:
        'DRBD resource {{ $labels.resource }} volume {{ $labels.volume }} on host {{ $labels.instance }} has {{ $value | humanize1024 }}B out of sync with {{ $labels.peer }} and the amount has not gone down for 25 minutes: the resync is stalled (or the bitmap is stale while both disks say UpToDate).',
      runbook:
        'Check `drbdadm status RESOURCE` for a paused or throttled resync (c-min-rate, resync-after); check the replication link speed; if both disks are UpToDate and Established, run `drbdadm disconnect RESOURCE && drbdadm connect RESOURCE` to clear the stale bitmap, or `drbdadm verify`.',
      meaning: 'Out-of-sync DRBD data is not going down: a stalled resync or a stale bitmap.',
      testMinutes: 60,
      fires: [
        {
          name: 'stuck at 4 MiB',
          series: [
            series(
              'havoc_drbd_out_of_sync_bytes',
              { ...host1, resource: 'r0', volume: '0', peer: 'host2' },
              '4194304x60',
            ),
          ],
          labels: { ...host1, resource: 'r0', volume: '0', peer: 'host2', severity: 'warning' },
          summary: 'DRBD r0 on host1: out-of-sync data towards host2 does not shrink.',
          description:
            'DRBD resource r0 volume 0 on host host1 has 4MiB out of sync with host2 and the amount has not gone down for 25 minutes: the resync is stalled (or the bitmap is stale while both disks say UpToDate).',
        },
      ],
      silent: [
        {
          name: 'a resync making progress',
          series: [
            series(
              'havoc_drbd_out_of_sync_bytes',
              { ...host1, resource: 'r0', volume: '0', peer: 'host2' },
              '1000000000-10000000x60',
            ),
          ],
        },
        {
          name: 'in sync',
          series: [
            series(
              'havoc_drbd_out_of_sync_bytes',
              { ...host1, resource: 'r0', volume: '0', peer: 'host2' },
              '0x60',
            ),
          ],
        },
      ],
    },
  ],
};
