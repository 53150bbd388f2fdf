import type { LoadedInventory } from '../load.js';
import { capacityCheck } from './capacity.js';
import { capacityOf } from './capacity-plan.js';
import { cpuCheck } from './cpu.js';
import { fenceRaceCheck } from './fence-race.js';
import { fencingCheck } from './fencing.js';
import type { Finding, PreflightCheck } from './finding.js';
import { mtuCheck } from './mtu.js';
import { probesCheck } from './probes.js';
import { redundancyCheck } from './redundancy.js';
import { secretsCheck } from './secrets.js';
import { storageCheck } from './storage.js';
import { vmNamesCheck } from './vm-names.js';

export type { Finding, PreflightCheck, Severity } from './finding.js';

/** Adding a check = one file and one line here. */
export const PREFLIGHT_CHECKS: readonly PreflightCheck[] = [
  vmNamesCheck,
  capacityCheck,
  fencingCheck,
  fenceRaceCheck,
  cpuCheck,
  mtuCheck,
  redundancyCheck,
  storageCheck,
  probesCheck,
  secretsCheck,
];

/** A finding as the report holds it: with the name of the check that made it. */
export interface ReportedFinding extends Finding {
  check: string;
}

export interface PreflightReport {
  cluster: string;
  findings: ReportedFinding[];
  /** Every check that ran, so a report can say what was checked and found nothing. */
  checks: { name: string; description: string }[];
  failuresToTolerate: number;
  /** Largest k such that any k hosts may fail; -1 if the VMs do not even fit at home. */
  failuresTolerated: number;
  /** False when the placement search ran out of budget on failuresTolerated + 1: then more may hold. */
  failuresToleratedExact: boolean;
  errors: number;
  warnings: number;
}

export function runPreflight(
  loaded: LoadedInventory,
  checks: readonly PreflightCheck[] = PREFLIGHT_CHECKS,
): PreflightReport {
  const findings = checks.flatMap((check) => check.run(loaded).map((f) => ({ ...f, check: check.name })));
  const capacity = capacityOf(loaded.inventory);
  return {
    cluster: loaded.inventory.cluster.name,
    findings,
    checks: checks.map((c) => ({ name: c.name, description: c.description })),
    failuresToTolerate: loaded.inventory.cluster.failuresToTolerate,
    failuresTolerated: capacity.tolerated,
    failuresToleratedExact: capacity.undecided === undefined,
    errors: findings.filter((f) => f.severity === 'error').length,
    warnings: findings.filter((f) => f.severity === 'warning').length,
  };
}
