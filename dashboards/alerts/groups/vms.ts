import { probeTarget, type RuleGroup, series } from '../rule.js';

const host1 = probeTarget('host', 'host1');
const cl = probeTarget('cluster', 'c1');
const IO_ERROR = 'I/O error|io-error';

export const vmsGroup: RuleGroup = {
  name: 'havoc-vms',
  title: 'VMs: paused, stuck, down, or running twice',
  alerts: [
    {
      alert: 'VmPausedOnIoError',
      expr: `havoc_vm_state_reason_info{job="havoc-host",reason=~"${IO_ERROR}"} == 1`,
      for: '30s',
      forWhy:
        'a VM paused on an I/O error (werror=stop) stays paused until someone resumes it; thirty seconds only skips a pause libvirt resumes by itself',
      severity: 'critical',
      summary: 'VM {{ $labels.vm }} on {{ $labels.instance }} is paused on an I/O error.',
      description:
        'VM {{ $labels.vm }} on host {{ $labels.instance }} ({{ $labels.source }}) was paused by QEMU because its disk returned an I/O error (storage path lost, DRBD suspended I/O, a full thin pool): the guest is frozen, and the HA manager does not see it as failed.',
      runbook:
        'Fix the storage path first (HASwitchPortDown, DrbdDisconnected, NFS/iSCSI server, free space), then `virsh resume VM` (or QMP cont); if the storage is gone for good, let the HA manager restart the VM elsewhere.',
      meaning: 'A VM is paused because its disk returned an I/O error.',
      fires: [
        {
          name: 'libvirt says paused (I/O error)',
          series: [
            series(
              'havoc_vm_state_reason_info',
              { ...host1, vm: 'vm1', source: 'libvirt', reason: 'I/O error' },
              '1x20',
            ),
          ],
          labels: { ...host1, vm: 'vm1', source: 'libvirt', reason: 'I/O error', severity: 'critical' },
          summary: 'VM vm1 on host1 is paused on an I/O error.',
          description:
            'VM vm1 on host host1 (libvirt) was paused by QEMU because its disk returned an I/O error (storage path lost, DRBD suspended I/O, a full thin pool): the guest is frozen, and the HA manager does not see it as failed.',
        },
        {
          name: 'QMP says io-error',
          series: [
            series(
              'havoc_vm_state_reason_info',
              { ...host1, vm: 'vm1', source: 'qemu', reason: 'io-error' },
              '1x20',
            ),
          ],
          labels: { ...host1, vm: 'vm1', source: 'qemu', reason: 'io-error', severity: 'critical' },
          summary: 'VM vm1 on host1 is paused on an I/O error.',
          description:
            'VM vm1 on host host1 (qemu) was paused by QEMU because its disk returned an I/O error (storage path lost, DRBD suspended I/O, a full thin pool): the guest is frozen, and the HA manager does not see it as failed.',
        },
      ],
      silent: [
        {
          name: 'paused by the user',
          series: [
            series(
              'havoc_vm_state_reason_info',
              { ...host1, vm: 'vm1', source: 'libvirt', reason: 'user' },
              '1x20',
            ),
          ],
        },
      ],
    },
    {
      alert: 'VmStuck',
      expr: `havoc_vm_stuck{job="havoc-host"} == 1 unless on (job, instance, vm, source) havoc_vm_state_reason_info{reason=~"${IO_ERROR}"}`,
      for: '1m',
      forWhy:
        'a watchdog or panic state lasts until someone acts; a minute leaves the guest time to reboot itself (watchdog action reset)',
      severity: 'critical',
      summary: 'VM {{ $labels.vm }} on {{ $labels.instance }} is stuck.',
      description:
        'VM {{ $labels.vm }} on host {{ $labels.instance }} ({{ $labels.source }}) is frozen rather than deliberately paused (watchdog, guest panic, crash, internal error): its service is down though the VM looks present.',
      runbook:
        'Look at havoc_vm_state_reason_info for the reason; collect a guest dump if you need one (`virsh dump`), then reset or restart the VM; if the HA manager does not act, its monitor does not catch this state: fix the resource monitor.',
      meaning: 'A VM is frozen (watchdog, guest panic, crash) rather than deliberately paused.',
      fires: [
        {
          name: 'guest panicked',
          series: [
            series('havoc_vm_stuck', { ...host1, vm: 'vm1', source: 'qemu' }, '1x20'),
            series(
              'havoc_vm_state_reason_info',
              { ...host1, vm: 'vm1', source: 'qemu', reason: 'guest-panicked' },
              '1x20',
            ),
          ],
          labels: { ...host1, vm: 'vm1', source: 'qemu', severity: 'critical' },
          summary: 'VM vm1 on host1 is stuck.',
          description:
            'VM vm1 on host host1 (qemu) is frozen rather than deliberately paused (watchdog, guest panic, crash, internal error): its service is down though the VM looks present.',
        },
      ],
      silent: [
        {
          name: 'running',
          series: [series('havoc_vm_stuck', { ...host1, vm: 'vm1', source: 'qemu' }, '0x20')],
        },
        {
          name: 'paused on I/O error (VmPausedOnIoError says so)',
          series: [
            series('havoc_vm_stuck', { ...host1, vm: 'vm1', source: 'qemu' }, '1x20'),
            series(
              'havoc_vm_state_reason_info',
              { ...host1, vm: 'vm1', source: 'qemu', reason: 'io-error' },
              '1x20',
            ),
          ],
        },
      ],
    },
    {
      alert: 'HaVmDown',
      expr: 'havoc_pacemaker_vm_active_nodes{job="havoc-cluster"} == 0',
      for: '1m',
      forWhy:
        'recovering a VM (stop, fence, start elsewhere) takes Pacemaker tens of seconds, and that is HA working; down past a minute, recovery has failed',
      severity: 'critical',
      summary: 'HA VM {{ $labels.vm }} runs nowhere.',
      description:
        'VM {{ $labels.vm }}, which the inventory marks highly available, runs on no node of cluster {{ $labels.instance }} (or has no Pacemaker resource of that name).',
      runbook:
        'Look at `crm_mon -1 --inactive` for why the resource is stopped (failed start, constraints, target-role Stopped, no node left); PacemakerResourceFailed and PacemakerCliConstraintLeftBehind often tell; `crm_resource --cleanup -r VM` once the cause is fixed.',
      meaning: 'An HA VM runs on no node.',
      fires: [
        {
          name: 'vm1 stopped',
          series: [series('havoc_pacemaker_vm_active_nodes', { ...cl, vm: 'vm1' }, '0x20')],
          labels: { ...cl, vm: 'vm1', severity: 'critical' },
          summary: 'HA VM vm1 runs nowhere.',
          description:
            'VM vm1, which the inventory marks highly available, runs on no node of cluster c1 (or has no Pacemaker resource of that name).',
        },
      ],
      silent: [
        {
          name: 'running once',
          series: [series('havoc_pacemaker_vm_active_nodes', { ...cl, vm: 'vm1' }, '1x20')],
        },
      ],
    },
    {
      alert: 'VmActiveOnTwoNodes',
      expr: 'havoc_pacemaker_vm_active_nodes{job="havoc-cluster"} > 1',
      for: '1m',
      forWhy:
        'during a live migration crm_mon shows the VM on both ends for a few seconds; a minute on two nodes is a VM running twice',
      severity: 'critical',
      summary: 'VM {{ $labels.vm }} is active on {{ $value }} nodes.',
      description:
        'Pacemaker reports VM {{ $labels.vm }} active on {{ $value }} nodes of cluster {{ $labels.instance }}: two instances write to the same disk, which corrupts it.',
      runbook:
        'Stop the copy that should not run at once (`virsh destroy VM` on the wrong host, or let Pacemaker recover with `crm_resource --cleanup -r VM`); check the disk afterwards; find out how it started twice (a start outside Pacemaker, a failed fence).',
      meaning: 'Pacemaker sees a VM running on more than one node: its disk is being corrupted.',
      fires: [
        {
          name: 'on two nodes',
          series: [series('havoc_pacemaker_vm_active_nodes', { ...cl, vm: 'vm1' }, '2x20')],
          labels: { ...cl, vm: 'vm1', severity: 'critical' },
          summary: 'VM vm1 is active on 2 nodes.',
          description:
            'Pacemaker reports VM vm1 active on 2 nodes of cluster c1: two instances write to the same disk, which corrupts it.',
        },
      ],
      silent: [
        { name: 'once', series: [series('havoc_pacemaker_vm_active_nodes', { ...cl, vm: 'vm1' }, '1x20')] },
      ],
    },
  ],
};
