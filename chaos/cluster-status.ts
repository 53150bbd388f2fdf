import { shCommand } from '../core/shell-quote.js';
import type { Inventory } from '../inventory/schema.js';
import { sshLoginOf } from '../inventory/ssh-login.js';
import { type CrmMonReading, type CrmMonStatus, readCrmMon } from '../protocols/pacemaker/index.js';
import type { FaultContext } from './fault.js';

const PER_NODE_MS = 10_000;

/** Hosts to ask crm_mon, in order: haManager.via, else every host. */
export function crmMonNodes(inv: Inventory): string[] {
  const hm = inv.haManager;
  return hm?.type === 'pacemaker' && hm.via ? hm.via : inv.hosts.map((h) => h.name);
}

/**
 * crm_mon of the first cluster node that answers, over the run's pooled SSH
 * (the way faults reach hosts), through the one crm_mon reader. A node that
 * hangs (a host frozen by a fault) gives up after 10 s so the next one is asked.
 */
export function readClusterStatus(ctx: FaultContext): Promise<CrmMonReading> {
  return readCrmMon(
    crmMonNodes(ctx.inventory),
    async (node, argv, signal) => {
      const host = ctx.inventory.hosts.find((h) => h.name === node);
      if (!host) throw new Error(`haManager.via names ${node}, which is not among the hosts`);
      const r = await ctx.ssh.exec(sshLoginOf(host), shCommand(argv), {
        signal,
        what: 'crm_mon',
        allowFailure: true,
      });
      return { stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode };
    },
    {
      signal: ctx.signal,
      perNodeMs: PER_NODE_MS,
      hint: 'is Pacemaker running, and can havoc log in to the haManager.via hosts?',
    },
  );
}

/** The nodes a VM's resource (its Pacemaker id is the VM's inventory name) is active on. */
export function vmHostsOf(status: CrmMonStatus, vm: string): string[] {
  const r = status.resources.find((x) => x.id === vm);
  return r?.active ? r.nodes : [];
}
