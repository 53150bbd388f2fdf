import type { FaultContext } from '../../chaos/fault.js';
import type { ProbeStates } from '../../chaos/probes/probe-state.js';
import type { Inventory, VmConfig } from '../../inventory/schema.js';
import type { CrmMonStatus } from '../../protocols/pacemaker/index.js';

/** What a steady-state check may look at: the cluster read once per evaluation, the run's live probes, the ledger. */
export interface SteadyContext {
  inventory: Inventory;
  /** crm_mon of a node that answers, read once per evaluation and shared by the checks; rejects when none answers. */
  cluster(): Promise<CrmMonStatus>;
  /** The run's probes, running for the whole run. */
  probes: ProbeStates;
  /** A sample sent longer ago than this is not evidence that the VM answers now. */
  freshNs: bigint;
  fault: FaultContext;
  ledgerDir: string;
}

export interface SteadyResult {
  ok: boolean;
  /** What was seen, in one sentence: what holds, or what does not. */
  reason: string;
}

/** One steady-state check: one file in suites/steady-state/, listed in index.ts. */
export interface SteadyCheck {
  readonly name: string;
  readonly summary: string;
  check(ctx: SteadyContext): Promise<SteadyResult>;
}

/** The VMs the cluster must keep running: HA priority "restart". */
export function haVms(inv: Inventory): VmConfig[] {
  return inv.vms.filter((v) => v.haPriority === 'restart');
}

export const pass = (reason: string): SteadyResult => ({ ok: true, reason });
export const fail = (reason: string): SteadyResult => ({ ok: false, reason });
