import { deadlineSignal } from '../../core/deadline.js';
import { errorMessage, HavocError } from '../../core/errors.js';
import { type CrmMonStatus, parseCrmMonXml } from '../../protocols/pacemaker/index.js';
import type { LabState } from '../state.js';
import { liveHosts, runInHost } from './host-command.js';

export const CRM_MON_ARGV = ['crm_mon', '--one-shot', '--output-as=xml', '--inactive', '--fence-history=2'];

export interface ClusterView {
  /** The host whose Pacemaker answered. */
  via: string;
  status: CrmMonStatus;
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
  const tried: string[] = [];
  for (const host of liveHosts(state)) {
    try {
      const { stdout, code, stderr } = await runInHost(
        host,
        state.hosts[host]!,
        CRM_MON_ARGV,
        deadlineSignal(perHostMs, `crm_mon on ${host}`, parent),
        { allowFailure: true },
      );
      // crm_mon exits non-zero when it cannot reach the cluster, and still prints an XML result.
      if (!stdout.includes('<summary>')) {
        tried.push(`${host}: ${(stderr || stdout).trim().split('\n').at(-1) ?? `exit ${code}`}`);
        continue;
      }
      return { via: host, status: parseCrmMonXml(stdout) };
    } catch (err) {
      if (parent.aborted) throw err;
      tried.push(`${host}: ${errorMessage(err)}`);
    }
  }
  throw new HavocError(
    'lab',
    tried.length === 0
      ? `no host of lab "${state.name}" is powered on to ask Pacemaker`
      : `no lab host's Pacemaker answered crm_mon (${tried.join('; ')})`,
  );
}
