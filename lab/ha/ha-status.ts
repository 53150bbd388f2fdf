import { errorMessage } from '../../core/errors.js';
import type { CrmMonStatus, PcmkNode } from '../../protocols/pacemaker/index.js';
import type { LabState } from '../state.js';
import { readClusterView } from './cluster-status.js';

export type ClusterNodeState = 'online' | 'offline' | 'unclean' | 'standby' | 'pending' | 'maintenance';

export interface LabClusterStatus {
  /** The host whose crm_mon answered. */
  via?: string;
  dc?: string;
  quorum?: boolean;
  nodes: { name: string; state: ClusterNodeState }[];
  stonith: { id: string; agent: string; node?: string; role: string }[];
  /** agent: the resource's agent as crm_mon names it (ocf:heartbeat:VirtualDomain, ocf:havoc:qemu-vm). */
  vms: { name: string; ip: string; host?: string; agent?: string; state: string }[];
  fenceEvents: { target: string; action: string; status: string; completed?: string }[];
  error?: string;
}

/** One word for a node, worst first: a node that is unclean is that before it is offline. */
export function nodeState(n: PcmkNode): ClusterNodeState {
  if (n.unclean) return 'unclean';
  if (!n.online) return 'offline';
  if (n.pending) return 'pending';
  if (n.standby || n.standbyOnfail) return 'standby';
  if (n.maintenance) return 'maintenance';
  return 'online';
}

/** The lab's view of its cluster, from crm_mon XML (pure, so it is tested on captured output). */
export function clusterStatusFrom(
  st: CrmMonStatus,
  vms: readonly { name: string; ip: string }[],
  via: string,
): LabClusterStatus {
  const resource = (id: string) => st.resources.find((r) => r.id === id);
  const vmState = (id: string) => {
    const r = resource(id);
    if (!r) return 'not configured';
    if (r.failed) return 'failed';
    if (!r.active) return 'stopped';
    return r.nodes.length > 1 ? `${r.role} (${r.nodes.length} nodes)` : r.role;
  };
  return {
    via,
    ...(st.summary.dcName ? { dc: st.summary.dcName } : {}),
    ...(st.summary.withQuorum !== undefined ? { quorum: st.summary.withQuorum } : {}),
    nodes: st.nodes.map((n) => ({ name: n.name, state: nodeState(n) })),
    stonith: st.resources
      .filter((r) => r.agent.startsWith('stonith:'))
      .map((r) => ({
        id: r.id,
        agent: r.agent,
        role: r.failed ? 'failed' : r.role,
        ...(r.nodes[0] ? { node: r.nodes[0] } : {}),
      })),
    vms: vms.map((v) => {
      const r = resource(v.name);
      const host = r?.nodes[0];
      return {
        name: v.name,
        ip: v.ip,
        state: vmState(v.name),
        ...(host ? { host } : {}),
        ...(r ? { agent: r.agent } : {}),
      };
    }),
    fenceEvents: (st.fenceHistory ?? []).map((e) => ({
      target: e.target,
      action: e.action,
      status: e.status,
      ...(e.completed ? { completed: e.completed } : {}),
    })),
  };
}

/** The cluster as a live host's Pacemaker reports it; an error in the result, never a throw. */
export async function labClusterStatus(
  state: Readonly<LabState>,
  signal: AbortSignal,
): Promise<LabClusterStatus> {
  const vms = state.ha?.vms ?? [];
  try {
    const view = await readClusterView(state, signal);
    return clusterStatusFrom(view.status, vms, view.via);
  } catch (err) {
    return {
      nodes: [],
      stonith: [],
      vms: vms.map((v) => ({ name: v.name, ip: v.ip, state: 'unknown' })),
      fenceEvents: [],
      error: errorMessage(err),
    };
  }
}
