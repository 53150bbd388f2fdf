import { failuresTolerated, firstUncoveredFailure } from './capacity-plan.js';
import type { PreflightCheck } from './finding.js';

export const capacityCheck: PreflightCheck = {
  name: 'capacity',
  description:
    'the survivors of ANY k failed hosts (k = cluster.failuresToTolerate) can run every HA VM with priority restart, without memory overcommit and under the vCPU overcommit ratio',
  run({ inventory }) {
    const k = inventory.cluster.failuresToTolerate;
    const tolerated = failuresTolerated(inventory);
    if (tolerated < 0) {
      return [
        {
          id: 'capacity.overcommitted',
          severity: 'error',
          message:
            'the VMs do not fit on their home hosts even with every host up (memory or vCPU overcommit)',
          objects: inventory.hosts.map((h) => `host:${h.name}`),
        },
      ];
    }
    const uncovered = firstUncoveredFailure(inventory, k);
    if (uncovered === undefined) return [];
    return [
      {
        id: 'capacity.insufficient',
        severity: 'error',
        message: `the cluster must tolerate ${k} host failure(s) but tolerates ${tolerated}: if ${uncovered.join(' and ')} fail, the survivors cannot restart every VM with priority restart`,
        objects: uncovered.map((h) => `host:${h}`),
      },
    ];
  },
};
