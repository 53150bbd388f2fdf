import { HavocError } from '../core/errors.js';
import type { HostConfig } from '../inventory/schema.js';
import { hostByName } from '../inventory/topology.js';
import type { FaultContext } from './fault.js';

/** An inventory host a fault acts on; the refusals checked it exists, so a miss is a changed inventory. */
export function hostOf(ctx: FaultContext, name: string): HostConfig {
  const h = hostByName(ctx.inventory, name);
  if (!h) throw new HavocError('config', `host "${name}" is not in the inventory ${ctx.inventoryFile}`);
  return h;
}
