import type { BuiltinSuite } from './builtin-suite.js';

/**
 * One live migration and one host power-off: the two things an HA
 * virtualization cluster promises, in a few minutes on the lab. Targets
 * come from selectors (drawn with the seed), targets of the verdicts from
 * the inventory's SLOs.
 */
const SMOKE = `version: 1
name: smoke
description: >-
  One live migration of an HA VM, then a power-off (through its BMC) of the host running an HA VM.
  The VM must move with a short outage, the host must be fenced and the VM restarted elsewhere,
  never running twice and never losing a write.
steps:
  - name: live migration of an HA VM
    select:
      vm: {random: haVm}
    fault: live-migrate
    params: {vm: $vm}
    hold: 5s
    expect:
      - maxServiceDowntime: {vm: $vm}
      - migratedWithin: {vm: $vm}
      - noDoubleRun: {vm: $vm}
      - noDataLoss: {vm: $vm}
  - name: power-off of the host running an HA VM
    select:
      vm: {random: haVm}
      host: {runningVm: $vm}
    fault: host-power-off
    targets: [$host]
    hold: 10s
    expect:
      - detectedWithin: {host: $host}
      - fencedWithin: {host: $host}
      - restartedWithin: {vm: $vm}
      - noDoubleRun: {vm: $vm}
      - noDataLoss: {vm: $vm}
`;

export const smokeSuite: BuiltinSuite = {
  name: 'smoke',
  summary:
    'one live migration of an HA VM and one power-off of the host running an HA VM (a few minutes on the lab)',
  yaml: () => SMOKE,
};
