import type { PreflightCheck } from './finding.js';

export const fenceRaceCheck: PreflightCheck = {
  name: 'fence-race',
  description:
    'two-node clusters configure a fence delay or priority so the two nodes cannot shoot each other at once',
  run({ inventory }) {
    if (inventory.hosts.length !== 2) return [];
    // XenServer breaks two-host ties through the heartbeat SR, not through fence delays.
    if (inventory.haManager?.type === 'xapi') return [];
    const priority =
      inventory.haManager?.type === 'pacemaker' ? (inventory.haManager.priorityFencingDelaySeconds ?? 0) : 0;
    if (priority > 0) return [];
    const delays = inventory.hosts.map((h) => h.fencing.delaySeconds ?? 0);
    const objects = inventory.hosts.map((h) => `host:${h.name}`);
    if (delays.every((d) => d === 0)) {
      return [
        {
          id: 'fencing.race',
          severity: 'error',
          message:
            'a two-node cluster without a fence delay: on a split both nodes fence each other at once and both go down; set fencing.delaySeconds on one host (or haManager.priorityFencingDelaySeconds)',
          objects,
        },
      ];
    }
    if (delays[0] === delays[1]) {
      return [
        {
          id: 'fencing.race',
          severity: 'error',
          message: `both hosts have the same fence delay (${delays[0]} s), which breaks no tie: give only one of them a delay`,
          objects,
        },
      ];
    }
    return [];
  },
};
