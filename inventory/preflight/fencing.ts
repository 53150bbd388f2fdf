import type { Finding, PreflightCheck } from './finding.js';

export const fencingCheck: PreflightCheck = {
  name: 'fencing',
  description:
    "every host has a fencing level, and not every level depends on the host's own BMC (a host that loses all power takes its BMC with it)",
  run({ inventory }) {
    const findings: Finding[] = [];
    for (const host of inventory.hosts) {
      const levels = host.fencing.levels;
      if (levels.length === 0) {
        findings.push({
          id: 'fencing.no-level',
          severity: 'error',
          message: `host ${host.name} has no fencing level: a failed host can never be proven off, so its VMs can never be safely restarted`,
          objects: [`host:${host.name}`],
        });
        continue;
      }
      if (levels.every((level) => level.devices.some((d) => d.type === 'bmc'))) {
        findings.push({
          id: 'fencing.bmc-only',
          severity: 'warning',
          message: `every fencing level of ${host.name} depends on its own BMC; if the host loses all power the BMC goes with it and fencing can never succeed: add a switch-ports level`,
          objects: [`host:${host.name}`],
        });
      }
    }
    return findings;
  },
};
