import { HavocError } from '../../core/errors.js';
import { haResourceOfVm } from '../../inventory/ha-names.js';
import { allowedHostsOf } from '../../inventory/preflight/capacity-plan.js';
import type { VmConfig } from '../../inventory/schema.js';
import type { FaultContext } from '../fault.js';

/** The HA managers the planned actions drive. */
export type ActionManager = 'pacemaker' | 'xapi' | 'libvirt';

/** The inventory VM an action acts on, its HA manager id and where it may run. */
export function actionVm(ctx: FaultContext, name: string): { vm: VmConfig; id: string; allowed: string[] } {
  const vm = ctx.inventory.vms.find((v) => v.name === name);
  if (!vm)
    throw new HavocError('config', `vm "${name}" is not in the inventory ${ctx.inventoryFile}`, {
      hint: `its VMs: ${ctx.inventory.vms.map((v) => v.name).join(', ') || 'none'}`,
    });
  return { vm, id: haResourceOfVm(vm), allowed: allowedHostsOf(vm, ctx.inventory) };
}

export function managerOf(ctx: FaultContext, action: string): ActionManager {
  const hm = ctx.inventory.haManager;
  if (!hm)
    throw new HavocError(
      'config',
      `${action} goes through the HA manager, and the inventory has no haManager`,
      {
        hint: 'add haManager (pacemaker, xapi or libvirt) to the inventory',
      },
    );
  return hm.type;
}

/** Reasons an action's VM is not there to act on (for `refuse`, which returns reasons, never throws). */
export function vmReasons(ctx: FaultContext, name: string, action: string): string[] {
  try {
    actionVm(ctx, name);
    managerOf(ctx, action);
    return [];
  } catch (err) {
    return [err instanceof HavocError ? err.describe() : String(err)];
  }
}
