import {
  type CapacityAnswer,
  capacityOf,
  type FailureCoverage,
  failureCoverage,
  SEARCH_BUDGET,
} from './capacity-plan.js';
import type { Finding, PreflightCheck } from './finding.js';

const count = (n: number) => n.toLocaleString('en-US');

/** "tolerates 1" when the search decided, "tolerates at least 1" when it could not decide the next k. */
export function toleratedText(answer: CapacityAnswer): string {
  return answer.undecided ? `at least ${answer.tolerated}` : String(answer.tolerated);
}

function unknownFinding(k: number, coverage: FailureCoverage): Finding {
  const sets = coverage.undecided;
  const first = sets[0]!;
  return {
    id: 'capacity.unknown',
    severity: 'warning',
    message:
      `cannot tell whether the cluster tolerates ${k} host failure(s): the placement search stopped after ` +
      `${count(SEARCH_BUDGET)} steps for ${sets.length} of the ${count(coverage.total)} sets of ${k} failed host(s) ` +
      `(first: ${first.join(' and ')}; ${count(coverage.steps)} steps in all), finding neither a placement of every VM ` +
      'with priority restart nor proof that none exists. The survivors are nearly full: leave more memory or vCPU ' +
      'headroom, or narrow VMs with allowedHosts, and the search decides',
    objects: first.map((h) => `host:${h}`),
  };
}

export const capacityCheck: PreflightCheck = {
  name: 'capacity',
  description:
    'the survivors of ANY k failed hosts (k = cluster.failuresToTolerate) can run every HA VM with priority restart, without memory overcommit and under the vCPU overcommit ratio',
  run({ inventory }) {
    const k = inventory.cluster.failuresToTolerate;
    const answer = capacityOf(inventory);
    if (answer.tolerated < 0 && !answer.undecided) {
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
    // capacityOf stopped at tolerated + 1; only another k needs a search of its own.
    const coverage =
      k === answer.tolerated + 1 ? (answer.uncovered ?? answer.undecided) : failureCoverage(inventory, k);
    if (!coverage) return [];
    if (coverage.uncovered) {
      return [
        {
          id: 'capacity.insufficient',
          severity: 'error',
          message: `the cluster must tolerate ${k} host failure(s) but tolerates ${toleratedText(answer)}: if ${coverage.uncovered.join(' and ')} fail, the survivors cannot restart every VM with priority restart`,
          objects: coverage.uncovered.map((h) => `host:${h}`),
        },
      ];
    }
    return coverage.undecided.length > 0 ? [unknownFinding(k, coverage)] : [];
  },
};
