import { HavocError } from '../../core/errors.js';
import { type ExecResult, execProgram } from '../../core/exec.js';
import { hostInitPid } from '../boot-services.js';
import type { LabHostState, LabState } from '../state.js';

/**
 * Runs a program inside a powered-on lab host, in all of its namespaces
 * (network, mount, UTS, PID), as the host's own processes see the world:
 * crm_mon there talks to that host's Pacemaker over its private /dev/shm.
 */
export async function runInHost(
  hostName: string,
  host: LabHostState,
  argv: readonly string[],
  signal: AbortSignal,
  opts: { allowFailure?: boolean; input?: string } = {},
): Promise<ExecResult> {
  const init = hostInitPid(host);
  if (init === undefined) {
    throw new HavocError('lab', `${hostName} is powered off`, {
      hint: 'power it on through its BMC, or ask another host',
    });
  }
  return execProgram(['nsenter', '-t', String(init), '-n', '-m', '-u', '-p', '--', ...argv], {
    signal,
    ...(opts.allowFailure ? { allowFailure: true } : {}),
    ...(opts.input !== undefined ? { input: opts.input } : {}),
  });
}

/** Names of the lab's hosts that are powered on now, in host order. */
export function liveHosts(state: Readonly<LabState>): string[] {
  return Object.keys(state.hosts)
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
    .filter((h) => hostInitPid(state.hosts[h]!) !== undefined);
}
