import { allowedHostsOf } from './capacity-plan.js';
import type { Finding, PreflightCheck } from './finding.js';

export const cpuCheck: PreflightCheck = {
  name: 'cpu',
  description: 'hosts between which VMs may live-migrate have the same CPU family and model',
  run({ inventory }) {
    const findings: Finding[] = [];
    const byName = new Map(inventory.hosts.map((h) => [h.name, h]));
    const reported = new Set<string>();
    for (const vm of inventory.vms) {
      const hosts = allowedHostsOf(vm, inventory)
        .map((n) => byName.get(n))
        .filter((h) => h !== undefined);
      for (const h of hosts) {
        if (!h.cpu && !reported.has(`none:${h.name}`)) {
          reported.add(`none:${h.name}`);
          findings.push({
            id: 'cpu.undeclared',
            severity: 'warning',
            message: `host ${h.name} declares no cpu model/family, so live-migration compatibility cannot be checked`,
            objects: [`host:${h.name}`],
          });
        }
      }
      const declared = hosts.filter((h) => h.cpu);
      for (let i = 0; i < declared.length; i++) {
        for (let j = i + 1; j < declared.length; j++) {
          const a = declared[i]!;
          const b = declared[j]!;
          if (a.cpu!.family === b.cpu!.family && a.cpu!.model === b.cpu!.model) continue;
          const key = [a.name, b.name].sort().join('/');
          if (reported.has(key)) continue;
          reported.add(key);
          findings.push({
            id: 'cpu.mismatch',
            severity: 'error',
            message: `VM ${vm.name} may live-migrate between ${a.name} (${a.cpu!.family} ${a.cpu!.model}) and ${b.name} (${b.cpu!.family} ${b.cpu!.model}); different CPUs make live migration fail or crash the guest unless a common CPU model is masked`,
            objects: [`host:${a.name}`, `host:${b.name}`, `vm:${vm.name}`],
          });
        }
      }
    }
    return findings;
  },
};
