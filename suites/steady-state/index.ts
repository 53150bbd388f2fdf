import { HavocError } from '../../core/errors.js';
import type { CrmMonStatus } from '../../protocols/pacemaker/index.js';
import type { SteadyCheck, SteadyContext, SteadyResult } from './check.js';
import { fencingReady } from './fencing-ready.js';
import { haVmsAnswering } from './ha-vms-answering.js';
import { haVmsRunning } from './ha-vms-running.js';
import { ledgerEmpty } from './ledger-empty.js';
import { noFailedResources } from './no-failed-resources.js';
import { nodesOnline } from './nodes-online.js';

export type { SteadyCheck, SteadyContext, SteadyResult } from './check.js';

/** Every steady-state check; adding one is a file in this folder and a line here. */
export const STEADY_CHECKS: readonly SteadyCheck[] = [
  nodesOnline,
  haVmsRunning,
  haVmsAnswering,
  noFailedResources,
  fencingReady,
  ledgerEmpty,
];

export const STEADY_CHECK_NAMES = STEADY_CHECKS.map((c) => c.name) as [string, ...string[]];

export function steadyCheckByName(name: string): SteadyCheck {
  const c = STEADY_CHECKS.find((x) => x.name === name);
  if (!c)
    throw new HavocError('usage', `no steady-state check "${name}"`, {
      hint: `one of ${STEADY_CHECK_NAMES.join(', ')}`,
    });
  return c;
}

export interface SteadyReport {
  ok: boolean;
  results: ({ check: string } & SteadyResult)[];
}

/**
 * Runs the checks once, at the same time, with one crm_mon reading shared by
 * those that need it. A check that throws is a failed check with its error.
 */
export async function evaluateSteadyState(
  checks: readonly SteadyCheck[],
  ctx: Omit<SteadyContext, 'cluster'> & { readCluster(): Promise<CrmMonStatus> },
): Promise<SteadyReport> {
  let reading: Promise<CrmMonStatus> | undefined;
  const full: SteadyContext = {
    ...ctx,
    cluster: () => {
      reading ??= ctx.readCluster();
      return reading;
    },
  };
  const results = await Promise.all(
    checks.map(async (c) => {
      try {
        return { check: c.name, ...(await c.check(full)) };
      } catch (err) {
        return { check: c.name, ok: false, reason: `could not check: ${(err as Error).message}` };
      }
    }),
  );
  return { ok: results.every((r) => r.ok), results };
}

/** The first failing checks, for one line: "nodesOnline: host2 is offline; ...". */
export function describeUnsteady(r: SteadyReport): string {
  return r.results
    .filter((x) => !x.ok)
    .map((x) => `${x.check}: ${x.reason}`)
    .join('; ');
}
