import type { PreflightCheck } from './finding.js';

export const vmNamesCheck: PreflightCheck = {
  name: 'vm-names',
  description: 'VM names are unique cluster-wide (libvirt only enforces unique names per host)',
  run({ inventory }) {
    const byName = new Map<string, string[]>();
    for (const vm of inventory.vms) byName.set(vm.name, [...(byName.get(vm.name) ?? []), vm.homeHost]);
    return [...byName]
      .filter(([, homes]) => homes.length > 1)
      .map(([name, homes]) => ({
        id: 'vm.duplicate-name',
        severity: 'error' as const,
        message: `VM name "${name}" is used ${homes.length} times (on ${homes.join(', ')}); HA managers address VMs by name, so a failover could start the wrong one`,
        objects: [`vm:${name}`, ...homes.map((h) => `host:${h}`)],
      }));
  },
};
