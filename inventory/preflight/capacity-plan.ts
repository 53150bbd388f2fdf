import type { Inventory, VmConfig } from '../schema.js';

/**
 * Can the survivors of a set of failed hosts run every VM that must be
 * restarted, without memory overcommit and under the vCPU overcommit ratio?
 * VMs on survivors stay where they are; VMs with priority "restart" on failed
 * hosts are placed by exhaustive search (small clusters), largest first.
 */
export interface HostLoad {
  name: string;
  memoryFreeMiB: number;
  vcpuFree: number;
}

export interface PlanResult {
  ok: boolean;
  /** VM name -> survivor it was placed on (when ok). */
  placement: Map<string, string>;
  /** VMs that could not be placed (when not ok). */
  unplaced: string[];
}

const SEARCH_BUDGET = 200_000;

export function allowedHostsOf(vm: VmConfig, inv: Inventory): string[] {
  return vm.allowedHosts ?? inv.hosts.map((h) => h.name);
}

/** Free capacity of every host with all its home VMs (any priority but "never" off) running. */
export function homeLoads(inv: Inventory, liveHosts?: ReadonlySet<string>): Map<string, HostLoad> {
  const loads = new Map<string, HostLoad>();
  for (const host of inv.hosts) {
    if (liveHosts && !liveHosts.has(host.name)) continue;
    loads.set(host.name, {
      name: host.name,
      memoryFreeMiB: host.memoryMiB - inv.cluster.hostReservedMemoryMiB,
      vcpuFree: host.vcpus * inv.cluster.vcpuOvercommit,
    });
  }
  for (const vm of inv.vms) {
    const load = loads.get(vm.homeHost);
    if (!load) continue;
    load.memoryFreeMiB -= vm.memoryMiB;
    load.vcpuFree -= vm.vcpus;
  }
  return loads;
}

export function planFailover(
  inv: Inventory,
  failed: ReadonlySet<string>,
  liveHosts?: ReadonlySet<string>,
): PlanResult {
  const loads = homeLoads(inv, liveHosts);
  const survivors = [...loads.values()].filter((l) => !failed.has(l.name));
  const overloaded = survivors.filter((l) => l.memoryFreeMiB < 0 || l.vcpuFree < 0);
  if (overloaded.length > 0) {
    const unplaced = inv.vms
      .filter((vm) => overloaded.some((l) => l.name === vm.homeHost))
      .map((vm) => vm.name);
    return { ok: false, placement: new Map(), unplaced };
  }
  const toPlace = inv.vms
    .filter((vm) => (failed.has(vm.homeHost) || !loads.has(vm.homeHost)) && vm.haPriority === 'restart')
    .sort((a, b) => b.memoryMiB - a.memoryMiB || b.vcpus - a.vcpus);
  const placement = new Map<string, string>();
  let steps = 0;
  const place = (i: number): boolean => {
    if (i === toPlace.length) return true;
    if (++steps > SEARCH_BUDGET) return false;
    const vm = toPlace[i]!;
    const allowed = new Set(allowedHostsOf(vm, inv));
    for (const host of survivors) {
      if (!allowed.has(host.name) || host.memoryFreeMiB < vm.memoryMiB || host.vcpuFree < vm.vcpus) continue;
      host.memoryFreeMiB -= vm.memoryMiB;
      host.vcpuFree -= vm.vcpus;
      placement.set(vm.name, host.name);
      if (place(i + 1)) return true;
      placement.delete(vm.name);
      host.memoryFreeMiB += vm.memoryMiB;
      host.vcpuFree += vm.vcpus;
    }
    return false;
  };
  if (place(0)) return { ok: true, placement, unplaced: [] };
  return { ok: false, placement: new Map(), unplaced: toPlace.map((vm) => vm.name) };
}

/** Every k-subset of items (k small: hosts in a cluster). */
export function* combinations<T>(
  items: readonly T[],
  k: number,
  start = 0,
  prefix: T[] = [],
): Generator<T[]> {
  if (prefix.length === k) {
    yield prefix;
    return;
  }
  for (let i = start; i <= items.length - (k - prefix.length); i++) {
    yield* combinations(items, k, i + 1, [...prefix, items[i]!]);
  }
}

/** The first set of k failed hosts the survivors cannot absorb, or undefined if every set is fine. */
export function firstUncoveredFailure(
  inv: Inventory,
  k: number,
  liveHosts?: ReadonlySet<string>,
): string[] | undefined {
  const names = inv.hosts.map((h) => h.name).filter((n) => !liveHosts || liveHosts.has(n));
  if (k >= names.length) return names;
  for (const failed of combinations(names, k)) {
    if (!planFailover(inv, new Set(failed), liveHosts).ok) return failed;
  }
  return undefined;
}

/**
 * The largest k such that ANY k hosts may fail (XenServer's "failures
 * tolerated"); -1 when even the current placement does not fit.
 */
export function failuresTolerated(inv: Inventory, liveHosts?: ReadonlySet<string>): number {
  const n = inv.hosts.filter((h) => !liveHosts || liveHosts.has(h.name)).length;
  let k = 0;
  while (k < n && firstUncoveredFailure(inv, k, liveHosts) === undefined) k++;
  return k - 1;
}
