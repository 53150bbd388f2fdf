import type { PreflightCheck } from './finding.js';

export const probesCheck: PreflightCheck = {
  name: 'probes',
  description: 'every HA VM has a service probe (without one its SLOs can only be judged by state)',
  run({ inventory }) {
    return inventory.vms
      .filter((vm) => vm.haPriority !== 'never' && !vm.probe)
      .map((vm) => ({
        id: 'vm.no-probe',
        severity: 'warning' as const,
        message: `VM ${vm.name} (HA priority ${vm.haPriority}) has no service probe: failover tests can only judge it by the HA manager's state, not by what users see`,
        objects: [`vm:${vm.name}`],
      }));
  },
};
