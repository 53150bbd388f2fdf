import type { Registry } from 'prom-client';
import { gaugeFamily, registerGauge } from '../metric-family.js';
import { type HostVm, VM_STATES } from './host-snapshot.js';

export const VM_METRICS = {
  state: gaugeFamily(
    'havoc_vm_state',
    'State of a VM on this host as a state set (libvirt, xl or QMP; paused is its own state, not "not running").',
    ['vm', 'source', 'state'],
  ),
  reason: gaugeFamily(
    'havoc_vm_state_reason_info',
    'Why the VM is in its state, as the source says (virsh domstate --reason, QMP RunState); value 1.',
    ['vm', 'source', 'reason'],
  ),
  stuck: gaugeFamily(
    'havoc_vm_stuck',
    '1 when the VM is frozen rather than deliberately paused: I/O error (e.g. DRBD suspended I/O), watchdog, guest panic, crash.',
    ['vm', 'source'],
  ),
  vcpus: gaugeFamily('havoc_vm_vcpus', 'vCPUs of the VM.', ['vm', 'source']),
  memory: gaugeFamily('havoc_vm_memory_bytes', 'Maximum memory of the VM.', ['vm', 'source']),
} as const;

export function renderVms(vms: HostVm[], registry: Registry): void {
  const state = registerGauge(registry, VM_METRICS.state);
  const reason = registerGauge(registry, VM_METRICS.reason);
  const stuck = registerGauge(registry, VM_METRICS.stuck);
  const vcpus = registerGauge(registry, VM_METRICS.vcpus);
  const memory = registerGauge(registry, VM_METRICS.memory);
  for (const vm of vms) {
    const l = { vm: vm.name, source: vm.source };
    for (const s of VM_STATES) state.set({ ...l, state: s }, s === vm.state ? 1 : 0);
    if (vm.reason !== undefined) reason.set({ ...l, reason: vm.reason }, 1);
    stuck.set(l, vm.stuck ? 1 : 0);
    if (vm.vcpus !== undefined) vcpus.set(l, vm.vcpus);
    if (vm.memoryBytes !== undefined) memory.set(l, vm.memoryBytes);
  }
}
