import { shCommand } from '../../core/shell-quote.js';
import type { SshPool, SshTarget } from '../ssh/index.js';
import type { CrmMonRunner } from './read-crm-mon.js';

/**
 * crm_mon on a cluster node over a pooled SSH connection: the one runner the
 * exporter, the chaos watchers and the planned actions hand to readCrmMon.
 * `loginOf` says how to reach a node (it throws for a node it does not know);
 * crm_mon's own non-zero exit is returned, not thrown, so readCrmMon can tell
 * "this node answered with an error" from "this node could not be reached".
 */
export function sshCrmMonRunner(ssh: SshPool, loginOf: (node: string) => SshTarget): CrmMonRunner {
  return async (node, argv, signal) => {
    const r = await ssh.exec(loginOf(node), shCommand(argv), { signal, what: 'crm_mon', allowFailure: true });
    return { stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode };
  };
}
