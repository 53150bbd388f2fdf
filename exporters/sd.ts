import type { CollectContext, Collector, ProbeModule } from './collector.js';
import { moduleTargets, PROBE_MODULES, targetRole } from './probe-targets.js';

/*
 * Prometheus HTTP service discovery (http_sd_configs): the inventory's
 * targets, grouped by module and role, with __meta_havoc_* labels the scrape
 * configuration can relabel from. A target is listed only when at least one
 * collector of the module has something to say about it, so every target
 * Prometheus discovers answers with data.
 */

export interface SdGroup {
  targets: string[];
  labels: Record<string, string>;
}

export function sdGroups(
  collectors: readonly Collector[],
  ctx: CollectContext,
  only?: ProbeModule,
): SdGroup[] {
  const inventory = ctx.loaded.inventory;
  const groups: SdGroup[] = [];
  for (const module of only ? [only] : PROBE_MODULES) {
    const ofModule = collectors.filter((c) => c.module === module);
    const byRole = new Map<string, string[]>();
    for (const target of moduleTargets(inventory, module)) {
      if (!ofModule.some((c) => c.appliesTo(target, ctx))) continue;
      const role = targetRole(inventory, module, target);
      byRole.set(role, [...(byRole.get(role) ?? []), target]);
    }
    for (const [role, targets] of byRole) {
      groups.push({
        targets,
        labels: {
          __meta_havoc_module: module,
          __meta_havoc_role: role,
          __meta_havoc_cluster: inventory.cluster.name,
        },
      });
    }
  }
  return groups;
}
