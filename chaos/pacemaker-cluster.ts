import { deadlineSignal, pollUntil } from '../core/deadline.js';
import { errorMessage, HavocError } from '../core/errors.js';
import { shCommand } from '../core/shell-quote.js';
import { crmMonHosts, haResourceOfVm } from '../inventory/ha-names.js';
import type { VmConfig } from '../inventory/schema.js';
import { sshLoginOf, sshLoginOfHaNode } from '../inventory/ssh-login.js';
import {
  type CliConstraint,
  type CrmMonStatus,
  type PcmkResource,
  parseCliConstraints,
  readCrmMon,
  sshCrmMonRunner,
} from '../protocols/pacemaker/index.js';
import type { FaultContext } from './fault.js';
import { hostOf } from './fault-hosts.js';

/*
 * Pacemaker as the planned actions reach it: its own tools on a cluster
 * node, over the fault context's SSH, the first node of haManager.via (else
 * every host) that answers. crm_mon through the one reader
 * (protocols/pacemaker readCrmMon).
 */

/** One command on one node may take this long (crm_resource returns once the CIB took the change). */
const COMMAND_MS = 30_000;
const CRM_MON_MS = 15_000;

/** crm_mon of the first cluster node that answers. */
export async function clusterStatus(
  ctx: FaultContext,
  signal: AbortSignal = ctx.signal,
): Promise<{ node: string; status: CrmMonStatus }> {
  const { node, status } = await readCrmMon(
    crmMonHosts(ctx.inventory),
    sshCrmMonRunner(ctx.ssh, (node) => sshLoginOfHaNode(ctx.inventory, node)),
    {
      signal: deadlineSignal(CRM_MON_MS * crmMonHosts(ctx.inventory).length, 'crm_mon', signal),
      perNodeMs: CRM_MON_MS,
      hint: 'is Pacemaker running, and can havoc log in to the haManager.via hosts?',
    },
  );
  return { node, status };
}

/**
 * Runs a Pacemaker tool on the first cluster node whose SSH answers. A node
 * that cannot be reached is skipped; the tool's own failure is not (it says
 * what the cluster refused), unless `allowFailure`.
 */
export async function onCluster(
  ctx: FaultContext,
  argv: readonly string[],
  o: { allowFailure?: boolean; avoid?: string } = {},
): Promise<{ node: string; stdout: string; stderr: string; exitCode: number | undefined }> {
  const tried: string[] = [];
  const nodes = crmMonHosts(ctx.inventory).filter((n) => n !== o.avoid);
  for (const node of nodes) {
    let r: { stdout: string; stderr: string; exitCode: number | undefined };
    try {
      r = await ctx.ssh.exec(sshLoginOf(hostOf(ctx, node)), shCommand(argv), {
        signal: deadlineSignal(COMMAND_MS, `${argv.join(' ')} on ${node}`, ctx.signal),
        what: `${argv[0]} on ${node}`,
        allowFailure: true,
      });
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      tried.push(`${node}: ${errorMessage(err)}`);
      continue;
    }
    if (r.exitCode !== 0 && !o.allowFailure) {
      throw new HavocError(
        'pacemaker',
        `${argv.join(' ')} on ${node} exited with ${r.exitCode}: ${r.stderr.trim() || r.stdout.trim()}`,
        { target: node },
      );
    }
    return { node, ...r };
  }
  throw new HavocError(
    'pacemaker-unreachable',
    `no cluster node answered for ${argv[0]}: ${tried.join('; ')}`,
    {
      hint: 'can havoc log in to the haManager.via hosts over SSH?',
    },
  );
}

/** The cli- location constraints in the CIB now, for one resource. */
export async function cliConstraintsOf(ctx: FaultContext, resource: string): Promise<CliConstraint[]> {
  const r = await onCluster(ctx, ['cibadmin', '--query', '--scope', 'constraints']);
  return parseCliConstraints(r.stdout).filter((c) => c.resource === resource);
}

export function resourceOf(status: CrmMonStatus, id: string): PcmkResource | undefined {
  return status.resources.find((r) => r.id === id);
}

/** The nodes an inventory VM's resource is active on now (empty when stopped). */
export function vmHostsOf(status: CrmMonStatus, vm: VmConfig): string[] {
  const r = resourceOf(status, haResourceOfVm(vm));
  return r?.active ? r.nodes : [];
}

/** Where a resource is active and settled: Started on exactly one node, not failed. */
export function settledHost(r: PcmkResource | undefined): string | undefined {
  return r?.active && r.role === 'Started' && !r.failed && r.nodes.length === 1 ? r.nodes[0] : undefined;
}

/** One line of evidence for a resource as crm_mon showed it. */
export function resourceLine(id: string, r: PcmkResource | undefined, via: string): string {
  if (!r) return `crm_mon on ${via}: no resource ${id}`;
  return `crm_mon on ${via}: ${id} ${r.role}${r.nodes.length ? ` on ${r.nodes.join(', ')}` : ''}${r.failed ? ' (failed)' : ''}${r.targetRole ? `, target-role ${r.targetRole}` : ''}`;
}

/** Polls crm_mon until `check` returns a value; the timeout error says what crm_mon showed last. */
export async function waitForCluster<T>(
  ctx: FaultContext,
  what: string,
  timeoutMs: number,
  check: (status: CrmMonStatus, node: string) => T | undefined,
): Promise<T> {
  let last = 'crm_mon never answered';
  try {
    return await pollUntil(
      async (signal) => {
        const seen = await clusterStatus(ctx, signal).catch((err: unknown) => {
          last = errorMessage(err);
          return undefined;
        });
        if (!seen) return undefined;
        last = `nodes ${seen.status.nodes.map((n) => `${n.name}:${n.online ? 'online' : 'offline'}${n.standby ? ':standby' : ''}`).join(' ')}; resources ${seen.status.resources.map((r) => `${r.id}:${r.role}@${r.nodes.join('+')}`).join(' ')}`;
        return check(seen.status, seen.node);
      },
      deadlineSignal(timeoutMs, what, ctx.signal),
      { initialMs: 200, maxMs: 1_000 },
    );
  } catch (err) {
    throw new HavocError('pacemaker', `${what}: ${errorMessage(err)}; crm_mon last showed ${last}`);
  }
}
