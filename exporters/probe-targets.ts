import type { Inventory } from '../inventory/schema.js';
import type { ProbeModule } from './collector.js';

export const PROBE_MODULES: readonly ProbeModule[] = ['host', 'switch', 'bmc', 'cluster'];

export function isProbeModule(value: string): value is ProbeModule {
  return (PROBE_MODULES as readonly string[]).includes(value);
}

/**
 * What a /probe target names in each module: a host, a switch, the BMC of a
 * host (by the host's name), or the cluster (by its name).
 */
export function moduleTargets(inventory: Inventory, module: ProbeModule): string[] {
  switch (module) {
    case 'host':
      return inventory.hosts.map((h) => h.name);
    case 'switch':
      return inventory.switches.map((s) => s.name);
    case 'bmc':
      return inventory.hosts.filter((h) => h.bmc !== undefined).map((h) => h.name);
    case 'cluster':
      return [inventory.cluster.name];
  }
}

/** The role label /sd gives a target: what kind of thing answers the module's questions. */
export function targetRole(inventory: Inventory, module: ProbeModule, target: string): string {
  switch (module) {
    case 'bmc':
      return inventory.hosts.find((h) => h.name === target)?.bmc?.type ?? 'bmc';
    case 'cluster':
      return inventory.haManager?.type ?? 'cluster';
    default:
      return module;
  }
}
