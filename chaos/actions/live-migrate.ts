import { z } from 'zod';
import { monotonicMs, pollUntil } from '../../core/deadline.js';
import { errorMessage, HavocError } from '../../core/errors.js';
import { XAPI_NULL_REF } from '../../protocols/xapi/index.js';
import type { ActionDetail, Fault, FaultContext, Observation } from '../fault.js';
import { hostOf } from '../fault-hosts.js';
import { actionOptions } from '../fault-options.js';
import { completedJob, domainHosts, VIRSH_MS, virshOn } from '../libvirt-hosts.js';
import {
  cliConstraintsOf,
  clusterStatus,
  onCluster,
  resourceLine,
  resourceOf,
  settledHost,
  waitForCluster,
} from '../pacemaker-cluster.js';
import { withXapiPool } from '../xapi-pool.js';
import { actionVm, managerOf, vmReasons } from './ha-vm.js';
import { qemuVmDowntime } from './qemu-vm-downtime.js';

/** A live migration under TCG on a loaded 2-core machine took 3-40 s; a real one of a large guest takes minutes. */
const MIGRATE_MS = 4 * 60_000;

const params = z.strictObject({
  vm: z.string().min(1),
  /** The host it goes to; resolved before the intent when not given (another allowed host). */
  to: z.string().min(1).optional(),
  /** Where it ran when the action was planned (resolved, for the record). */
  from: z.string().min(1).optional(),
  /** libvirt only: the destination URI (default qemu+ssh://USER@ADDRESS/system of the target host). */
  uri: z.string().min(1).optional(),
  /** libvirt only: where the memory stream goes (virsh --migrateuri), when the target's name does not lead to its migration network. */
  migrateuri: z.string().min(1).optional(),
});
export type LiveMigrateParams = z.infer<typeof params>;

/**
 * Live-migrates a VM through its HA manager and waits until it runs on the
 * target. Pacemaker: `crm_resource --move` until crm_mon shows it Started
 * there, then `--clear` of the cli-prefer- constraint the move leaves (the
 * revert clears it too: a run killed mid-move leaves it). libvirt alone:
 * `virsh migrate --live` on the source. XenServer: VM.pool_migrate. The
 * migration's own view of its downtime (libvirt's domjobinfo "Total
 * downtime"; QEMU's query-migrate under ocf:havoc:qemu-vm) goes into the
 * action's done record.
 */
export const liveMigrate: Fault<LiveMigrateParams> = {
  name: 'live-migrate',
  kind: 'action',
  summary:
    'live-migrate a VM through the HA manager (Pacemaker crm_resource --move then --clear; virsh migrate --live; XAPI VM.pool_migrate); -p vm=NAME [-p to=HOST] (default: another allowed host); libvirt: [-p uri=DEST] [-p migrateuri=URI]',
  params,
  requiresFencing: false,
  maxDurationMs: 60 * 60_000,

  fromCommandLine(targets, options) {
    return actionOptions('live-migrate', targets, options, ['vm'], ['to', 'uri', 'migrateuri']);
  },

  async resolve(p, ctx) {
    const { id, allowed } = actionVm(ctx, p.vm);
    const manager = managerOf(ctx, 'live-migrate');
    let from: string | undefined;
    let candidates = allowed;
    if (manager === 'pacemaker') {
      const { node, status } = await clusterStatus(ctx);
      const r = resourceOf(status, id);
      from = settledHost(r);
      if (!from)
        throw new HavocError(
          'refused',
          `${p.vm} is not running settled on one node: ${resourceLine(id, r, node)}`,
        );
      candidates = allowed.filter((h) => status.nodes.some((n) => n.name === h && n.online && !n.standby));
    } else if (manager === 'xapi') {
      from = await withXapiPool(ctx, 'where the VM runs', async (pool) => {
        const vm = await pool.vm(id);
        return vm.residentOn === XAPI_NULL_REF ? undefined : await pool.hostName(vm.residentOn);
      });
    } else {
      const seen = await domainHosts(ctx, allowed, id);
      if (seen.running.length === 1) from = seen.running[0];
    }
    if (!from)
      throw new HavocError(
        'refused',
        `${p.vm} does not run on exactly one host, so it cannot be live-migrated`,
      );
    const to = p.to ?? candidates.find((h) => h !== from);
    if (!to)
      throw new HavocError(
        'refused',
        `${p.vm} has no other allowed host to go to (allowed: ${allowed.join(', ')})`,
      );
    return { ...p, from, to };
  },

  hosts: (p) => [...new Set([p.to, p.from].filter((h): h is string => h !== undefined))],

  async refuse(p, ctx) {
    const reasons = vmReasons(ctx, p.vm, 'live-migrate');
    if (reasons.length) return reasons;
    const { id, allowed } = actionVm(ctx, p.vm);
    if (!p.to) return ['no target host'];
    if (!allowed.includes(p.to))
      reasons.push(`${p.vm} may not run on ${p.to} (allowedHosts: ${allowed.join(', ')})`);
    if (p.to === p.from) reasons.push(`${p.vm} already runs on ${p.to}`);
    const manager = managerOf(ctx, 'live-migrate');
    if (manager === 'pacemaker') {
      const { status } = await clusterStatus(ctx);
      const n = status.nodes.find((x) => x.name === p.to);
      if (!n?.online || n.standby) reasons.push(`${p.to} is not an online cluster node out of standby`);
      const left = await cliConstraintsOf(ctx, id);
      if (left.length)
        reasons.push(
          `${id} already has ${left.map((c) => c.id).join(', ')} in the CIB (another move, or one not healed: havoc chaos status, havoc heal)`,
        );
    } else if (manager === 'libvirt') {
      const h = hostOf(ctx, p.to);
      if (!p.uri && !h.ssh)
        reasons.push(`${p.to} has no ssh section to build qemu+ssh:// from; give -p uri=`);
    } else if (!(await withXapiPool(ctx, 'host enabled?', (pool) => pool.hostEnabled(p.to!)))) {
      reasons.push(`XAPI host ${p.to} is disabled (in maintenance)`);
    }
    return reasons;
  },

  describe(p) {
    return {
      summary: `live-migrate ${p.vm} from ${p.from ?? '?'} to ${p.to ?? '?'}`,
      targets: [p.vm, ...(p.to ? [p.to] : [])],
      revert: `clear what the move left (Pacemaker: crm_resource --clear --resource ${p.vm}) and wait until ${p.vm} runs on one host`,
      secretRefs: [],
    };
  },

  async inject(p, ctx) {
    const { id } = actionVm(ctx, p.vm);
    const to = p.to!;
    const manager = managerOf(ctx, 'live-migrate');
    const started = monotonicMs();
    const detail: ActionDetail = { vm: p.vm, from: p.from, to, manager };
    if (manager === 'pacemaker') {
      await onCluster(ctx, ['crm_resource', '--resource', id, '--move', '--node', to]);
      const agent = await waitForCluster(ctx, `${id} Started on ${to}`, MIGRATE_MS, (st) => {
        const r = resourceOf(st, id);
        return settledHost(r) === to ? r!.agent : undefined;
      });
      detail.elapsedMs = Math.round(monotonicMs() - started);
      await onCluster(ctx, ['crm_resource', '--resource', id, '--clear']);
      detail.agent = agent;
      Object.assign(
        detail,
        agent === 'ocf:heartbeat:VirtualDomain'
          ? await libvirtDowntime(ctx, to, id)
          : agent === 'ocf:havoc:qemu-vm' && p.from
            ? await qemuVmDowntime(ctx, p.from, id)
            : noDowntime(agent),
      );
    } else if (manager === 'libvirt') {
      const dest = p.uri ?? sshUri(ctx, to);
      const args = ['migrate', '--live', '--persistent', '--undefinesource', id, dest];
      await virshOn(ctx, p.from!, [...args, ...(p.migrateuri ? ['--migrateuri', p.migrateuri] : [])], {
        timeoutMs: VIRSH_MS,
      });
      detail.elapsedMs = Math.round(monotonicMs() - started);
      Object.assign(detail, await libvirtDowntime(ctx, to, id));
    } else {
      await withXapiPool(ctx, `VM.pool_migrate ${p.vm} to ${to}`, async (pool) => {
        const vm = await pool.vm(id);
        await pool.call('VM.pool_migrate', vm.ref, await pool.hostRef(to), { live: 'true' });
      });
      detail.elapsedMs = Math.round(monotonicMs() - started);
      Object.assign(detail, noDowntime('XAPI'));
    }
    return { action: detail };
  },

  async verify(p, ctx) {
    const { id, allowed } = actionVm(ctx, p.vm);
    const manager = managerOf(ctx, 'live-migrate');
    if (manager === 'pacemaker') {
      const [{ node, status }, left] = await Promise.all([clusterStatus(ctx), cliConstraintsOf(ctx, id)]);
      const r = resourceOf(status, id);
      const host = settledHost(r);
      return {
        state: placement(host, p.to),
        evidence: [
          resourceLine(id, r, node),
          `cibadmin --query --scope constraints: ${left.length ? left.map((c) => `${c.id} (node ${c.node}, score ${c.score})`).join(', ') : `no cli- constraint for ${id}`}`,
        ],
        leftBehind: [
          ...left.map((c) => `${c.id} in the CIB`),
          ...(host ? [] : [`${id} not settled on one node (${r?.role ?? 'absent'})`]),
        ],
      };
    }
    if (manager === 'libvirt') {
      const seen = await domainHosts(ctx, allowed, id);
      const host = seen.running.length === 1 ? seen.running[0] : undefined;
      return {
        state: placement(host, p.to),
        evidence: [
          `virsh list --all on ${allowed.join(', ')}: ${id} runs on ${seen.running.join(', ') || 'none'}`,
          ...seen.unreachable.map((u) => `not asked: ${u}`),
        ],
        leftBehind: host
          ? []
          : [`${id} runs on ${seen.running.length} hosts (${seen.running.join(', ') || 'none'})`],
      };
    }
    return withXapiPool(ctx, `where ${p.vm} runs`, async (pool) => {
      const vm = await pool.vm(id);
      const host = vm.powerState === 'Running' ? await pool.hostName(vm.residentOn) : undefined;
      return {
        state: placement(host, p.to),
        evidence: [`XAPI VM ${id}: power_state ${vm.powerState}, resident_on ${host ?? vm.residentOn}`],
        leftBehind: host ? [] : [`${id} is ${vm.powerState}`],
      } satisfies Observation;
    });
  },

  async revert(p, ctx) {
    const { id, allowed } = actionVm(ctx, p.vm);
    const manager = managerOf(ctx, 'live-migrate');
    if (manager === 'pacemaker') {
      await onCluster(ctx, ['crm_resource', '--resource', id, '--clear']);
      await waitForCluster(ctx, `${id} settled after clearing its move`, MIGRATE_MS, (st) =>
        settledHost(resourceOf(st, id)),
      );
    } else if (manager === 'libvirt') {
      // A run killed mid-migration may leave libvirt's job running on the source: abort it ("no job" is fine).
      if (p.from) await virshOn(ctx, p.from, ['domjobabort', id], { allowFailure: true });
      await pollUntil(
        async () => ((await domainHosts(ctx, allowed, id)).running.length === 1 ? true : undefined),
        AbortSignal.any([ctx.signal, AbortSignal.timeout(MIGRATE_MS)]),
        { initialMs: 500, maxMs: 2_000 },
      ).catch((err: unknown) => {
        throw new HavocError('revert', `${id} does not run on exactly one host: ${errorMessage(err)}`);
      });
    }
    // XAPI: VM.pool_migrate leaves nothing behind to clear.
  },
};

function placement(host: string | undefined, to: string | undefined): Observation['state'] {
  return host === undefined ? 'partial' : host === to ? 'in-effect' : 'absent';
}

function sshUri(ctx: FaultContext, host: string): string {
  const h = hostOf(ctx, host);
  return `qemu+ssh://${h.ssh ? `${h.ssh.user}@` : ''}${h.address}/system`;
}

async function libvirtDowntime(ctx: FaultContext, host: string, domain: string): Promise<ActionDetail> {
  try {
    const job = await completedJob(ctx, host, domain);
    return {
      downtimeMs: job.downtimeMs,
      migrationTotalMs: job.elapsedMs,
      downtimeSource: `libvirt virsh domjobinfo --completed on ${host} (${job.operation ?? job.jobType})`,
    };
  } catch (err) {
    return { downtimeSource: `none: ${errorMessage(err)}` };
  }
}

function noDowntime(by: string): ActionDetail {
  return { downtimeSource: `none: ${by} does not report the migration's downtime` };
}
