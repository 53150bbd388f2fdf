import type { FaultContext } from '../../chaos/fault.js';
import { readLedger, unreverted } from '../../chaos/ledger/reader.js';
import { clusterStatus, onCluster, vmHostsOf } from '../../chaos/pacemaker-cluster.js';
import { CIBADMIN_CONSTRAINTS_ARGV, parseLocationConstraints } from '../../protocols/pacemaker/index.js';

/**
 * The cluster as the certification found it, taken before anything
 * destructive and again at the end: the final-state lines compare the two.
 */
export interface ClusterSnapshot {
  /** The node crm_mon was read on. */
  via: string;
  /** Node -> online / offline. */
  nodes: Record<string, 'online' | 'offline'>;
  /** Inventory VM -> the nodes its resource is active on (sorted; empty when stopped). */
  placement: Record<string, string[]>;
  /** Every location constraint, as "id (resource on node, score)", sorted. */
  constraints: string[];
  /** Node -> its flags set (standby, maintenance), plus "cluster" for maintenance-mode. */
  flags: Record<string, string[]>;
  /** Ledger faults not reverted, as "id: summary (state)". */
  ledger: string[];
}

export async function takeSnapshot(ctx: FaultContext, ledgerDir: string): Promise<ClusterSnapshot> {
  const [{ node, status }, constraints] = await Promise.all([
    clusterStatus(ctx),
    onCluster(ctx, CIBADMIN_CONSTRAINTS_ARGV),
  ]);
  const flags: Record<string, string[]> = {};
  for (const n of status.nodes) {
    flags[n.name] = [n.standby ? 'standby' : '', n.maintenance ? 'maintenance' : ''].filter(Boolean);
  }
  if (status.summary.maintenanceMode) flags.cluster = ['maintenance-mode'];
  return {
    via: node,
    nodes: Object.fromEntries(status.nodes.map((n) => [n.name, n.online ? 'online' : 'offline'])),
    placement: Object.fromEntries(ctx.inventory.vms.map((vm) => [vm.name, vmHostsOf(status, vm).sort()])),
    constraints: parseLocationConstraints(constraints.stdout)
      .map((c) => `${c.id} (${c.resource}${c.node ? ` on ${c.node}` : ' by rule'}, score ${c.score || '?'})`)
      .sort(),
    flags,
    ledger: unreverted(readLedger(ledgerDir)).map(
      (f) => `${f.id}: ${f.intended?.description.summary ?? '?'} (${f.state})`,
    ),
  };
}
