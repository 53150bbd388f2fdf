import { HavocError } from '../../core/errors.js';
import { type CrmMonRunner, type CrmMonStatus, readCrmMon } from '../../protocols/pacemaker/index.js';
import type { LabState } from '../state.js';
import { liveHosts, runInHost } from './host-command.js';

export interface ClusterView {
  /** The host whose Pacemaker answered. */
  via: string;
  status: CrmMonStatus;
}

/** crm_mon (or any program) inside a powered-on lab host, as that host's own processes run it. */
export function labCrmMonRunner(state: Readonly<LabState>): CrmMonRunner {
  return async (host, argv, signal) => {
    const hostState = state.hosts[host];
    if (!hostState) throw new HavocError('lab', `lab "${state.name}" has no host ${host}`);
    const { stdout, stderr, code } = await runInHost(host, hostState, argv, signal, { allowFailure: true });
    return { stdout, stderr, exitCode: code ?? undefined };
  };
}

/**
 * crm_mon's view of the cluster from the first powered-on host whose
 * Pacemaker answers (a node that is still starting may not). Throws, naming
 * every host tried and why, when none answers.
 */
export async function readClusterView(
  state: Readonly<LabState>,
  parent: AbortSignal,
  perHostMs = 5_000,
): Promise<ClusterView> {
  const hosts = liveHosts(state);
  if (hosts.length === 0) {
    throw new HavocError('lab', `no host of lab "${state.name}" is powered on to ask Pacemaker`);
  }
  const { node, status } = await readCrmMon(hosts, labCrmMonRunner(state), {
    signal: parent,
    perNodeMs: perHostMs,
  });
  return { via: node, status };
}
