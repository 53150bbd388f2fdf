import { z } from 'zod';
import { HavocError } from '../../core/errors.js';
import type { CrmMonStatus } from '../../protocols/pacemaker/index.js';
import type { Fault, Observation } from '../fault.js';
import { actionOptions } from '../fault-options.js';
import {
  clusterStatus,
  onCluster,
  resourceLine,
  resourceOf,
  settledHost,
  waitForCluster,
} from '../pacemaker-cluster.js';
import { withXapiPool } from '../xapi-pool.js';
import { actionVm, managerOf, vmReasons } from './ha-vm.js';

/** A guest's clean shutdown, or a start with a boot, may take minutes. */
const STOP_MS = 4 * 60_000;
const START_MS = 4 * 60_000;

const params = z.strictObject({ vm: z.string().min(1) });
export type VmStopParams = z.infer<typeof params>;

/**
 * Stops a VM through its HA manager, so the manager does not restart it:
 * Pacemaker's target-role Stopped (crm_resource --meta), until crm_mon shows
 * it stopped; XenServer VM.clean_shutdown. Reverted by starting it again
 * (target-role deleted; VM.start) and waiting until it runs.
 */
export const vmStop: Fault<VmStopParams> = {
  name: 'vm-stop',
  kind: 'action',
  summary:
    'stop a VM through the HA manager (Pacemaker target-role Stopped; XAPI VM.clean_shutdown); -p vm=NAME; reverted: started again and running',
  params,
  requiresFencing: false,
  maxDurationMs: 4 * 60 * 60_000,

  fromCommandLine(targets, options) {
    return actionOptions('vm-stop', targets, options, ['vm']);
  },

  hosts: () => [],

  async refuse(p, ctx) {
    const reasons = vmReasons(ctx, p.vm, 'vm-stop');
    if (reasons.length) return reasons;
    const { id } = actionVm(ctx, p.vm);
    const manager = managerOf(ctx, 'vm-stop');
    if (manager === 'libvirt')
      return ['vm-stop needs a cluster manager (pacemaker or xapi) to keep the VM stopped'];
    if (manager === 'pacemaker') {
      const { node, status } = await clusterStatus(ctx);
      const r = resourceOf(status, id);
      if (!settledHost(r)) return [`${p.vm} is not running: ${resourceLine(id, r, node)}`];
      if (r?.targetRole)
        return [
          `${id} already has target-role ${r.targetRole}: someone else set it, havoc would delete it on revert`,
        ];
      return [];
    }
    const vm = await withXapiPool(ctx, 'VM power state', (pool) => pool.vm(id));
    return vm.powerState === 'Running' ? [] : [`XAPI VM ${id} is ${vm.powerState}, not Running`];
  },

  describe(p) {
    return {
      summary: `stop ${p.vm} through the HA manager`,
      targets: [p.vm],
      revert: `start ${p.vm} again (Pacemaker: crm_resource --resource ${p.vm} --meta --delete-parameter target-role; XAPI: VM.start) and wait until it runs`,
      secretRefs: [],
    };
  },

  async inject(p, ctx) {
    const { id } = actionVm(ctx, p.vm);
    if (managerOf(ctx, 'vm-stop') === 'pacemaker') {
      await onCluster(ctx, [
        'crm_resource',
        '--resource',
        id,
        '--meta',
        '--set-parameter',
        'target-role',
        '--parameter-value',
        'Stopped',
      ]);
      await waitForCluster(ctx, `${id} stopped`, STOP_MS, (st) => (stopped(st, id) ? true : undefined));
      return { action: { vm: p.vm, manager: 'pacemaker' } };
    }
    await withXapiPool(ctx, `VM.clean_shutdown ${p.vm}`, async (pool) => {
      await pool.call('VM.clean_shutdown', (await pool.vm(id)).ref);
    });
    return { action: { vm: p.vm, manager: 'xapi' } };
  },

  async verify(p, ctx) {
    const { id } = actionVm(ctx, p.vm);
    if (managerOf(ctx, 'vm-stop') === 'pacemaker') {
      const { node, status } = await clusterStatus(ctx);
      const r = resourceOf(status, id);
      const running = settledHost(r) !== undefined;
      const state: Observation['state'] = stopped(status, id) ? 'in-effect' : running ? 'absent' : 'partial';
      return {
        state,
        evidence: [resourceLine(id, r, node)],
        leftBehind: [
          ...(r?.targetRole === 'Stopped' ? [`${id} target-role Stopped`] : []),
          ...(running ? [] : [`${id} not running (${r?.role ?? 'absent'})`]),
        ],
      };
    }
    return withXapiPool(ctx, `VM ${p.vm} power state`, async (pool) => {
      const vm = await pool.vm(id);
      return {
        state: vm.powerState === 'Halted' ? 'in-effect' : vm.powerState === 'Running' ? 'absent' : 'partial',
        evidence: [`XAPI VM ${id}: power_state ${vm.powerState}`],
        leftBehind: vm.powerState === 'Running' ? [] : [`${id} is ${vm.powerState}`],
      } satisfies Observation;
    });
  },

  async revert(p, ctx) {
    const { id } = actionVm(ctx, p.vm);
    if (managerOf(ctx, 'vm-stop') === 'pacemaker') {
      const r = await onCluster(
        ctx,
        ['crm_resource', '--resource', id, '--meta', '--delete-parameter', 'target-role'],
        {
          allowFailure: true,
        },
      );
      // "Attribute 'target-role' not found" is a revert of a stop that never happened.
      if (r.exitCode !== 0 && !/not found/.test(r.stderr))
        throw new HavocError(
          'revert',
          `crm_resource --delete-parameter target-role on ${r.node}: ${r.stderr.trim()}`,
        );
      await waitForCluster(ctx, `${id} running again`, START_MS, (st) => settledHost(resourceOf(st, id)));
      return;
    }
    await withXapiPool(ctx, `VM.start ${p.vm}`, async (pool) => {
      const vm = await pool.vm(id);
      if (vm.powerState === 'Halted') await pool.call('VM.start', vm.ref, false, false);
    });
  },
};

function stopped(status: CrmMonStatus, id: string): boolean {
  const r = resourceOf(status, id);
  return r !== undefined && !r.active && r.nodes.length === 0 && r.role === 'Stopped';
}
