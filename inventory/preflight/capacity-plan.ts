import type { Inventory, VmConfig } from '../schema.js';

/**
 * Can the survivors of a set of failed hosts run every VM that must be
 * restarted, without memory overcommit and under the vCPU overcommit ratio?
 * VMs on survivors stay where they are; VMs with priority "restart" on failed
 * hosts are placed by exhaustive search, largest first, within a step budget.
 * A search that runs out of budget has decided nothing: its verdict is
 * "unknown", never "does not fit".
 */
export interface HostLoad {
  name: string;
  memoryFreeMiB: number;
  vcpuFree: number;
}

export type PlanVerdict = 'fits' | 'does-not-fit' | 'unknown';

export interface PlanResult {
  verdict: PlanVerdict;
  /** VM name -> survivor it was placed on (when it fits). */
  placement: Map<string, string>;
  /** VMs that could not be placed (when it does not fit), or were still being placed (unknown). */
  unplaced: string[];
  /** Placement steps the search took. */
  steps: number;
}

/** Placement steps one set of failed hosts may take before its verdict is "unknown". */
export const SEARCH_BUDGET = 200_000;

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
  budget = SEARCH_BUDGET,
): PlanResult {
  const loads = homeLoads(inv, liveHosts);
  const survivors = [...loads.values()].filter((l) => !failed.has(l.name));
  const overloaded = survivors.filter((l) => l.memoryFreeMiB < 0 || l.vcpuFree < 0);
  if (overloaded.length > 0) {
    const unplaced = inv.vms
      .filter((vm) => overloaded.some((l) => l.name === vm.homeHost))
      .map((vm) => vm.name);
    return { verdict: 'does-not-fit', placement: new Map(), unplaced, steps: 0 };
  }
  const toPlace = inv.vms
    .filter((vm) => (failed.has(vm.homeHost) || !loads.has(vm.homeHost)) && vm.haPriority === 'restart')
    .sort((a, b) => b.memoryMiB - a.memoryMiB || b.vcpus - a.vcpus);
  const allowedOf = toPlace.map((vm) => new Set(allowedHostsOf(vm, inv)));
  const placement = new Map<string, string>();
  let steps = 0;
  let exhausted = false;
  const place = (i: number): boolean => {
    if (i === toPlace.length) return true;
    if (++steps > budget) {
      exhausted = true;
      return false;
    }
    const vm = toPlace[i]!;
    const allowed = allowedOf[i]!;
    for (const host of survivors) {
      if (!allowed.has(host.name) || host.memoryFreeMiB < vm.memoryMiB || host.vcpuFree < vm.vcpus) continue;
      host.memoryFreeMiB -= vm.memoryMiB;
      host.vcpuFree -= vm.vcpus;
      placement.set(vm.name, host.name);
      if (place(i + 1)) return true;
      if (exhausted) return false;
      placement.delete(vm.name);
      host.memoryFreeMiB += vm.memoryMiB;
      host.vcpuFree += vm.vcpus;
    }
    return false;
  };
  if (place(0)) return { verdict: 'fits', placement, unplaced: [], steps };
  const verdict = exhausted ? 'unknown' : 'does-not-fit';
  return { verdict, placement: new Map(), unplaced: toPlace.map((vm) => vm.name), steps };
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

/** What the search found for every set of k failed hosts. */
export interface FailureCoverage {
  failures: number;
  /** The first set of k failed hosts the survivors cannot absorb, when the search found one. */
  uncovered?: string[];
  /** Sets of k failed hosts whose search ran out of budget before deciding. */
  undecided: string[][];
  /** Sets searched (the search stops at the first uncovered set), of `total`. */
  searched: number;
  total: number;
  /** Placement steps over every set searched. */
  steps: number;
}

/** Every set of k failed hosts, until one is found that the survivors cannot absorb. */
export function failureCoverage(
  inv: Inventory,
  k: number,
  liveHosts?: ReadonlySet<string>,
  budget = SEARCH_BUDGET,
): FailureCoverage {
  const names = inv.hosts.map((h) => h.name).filter((n) => !liveHosts || liveHosts.has(n));
  const coverage: FailureCoverage = { failures: k, undecided: [], searched: 0, total: 0, steps: 0 };
  if (k >= names.length) return { ...coverage, uncovered: names, searched: 1, total: 1 };
  coverage.total = binomial(names.length, k);
  for (const failed of combinations(names, k)) {
    const plan = planFailover(inv, new Set(failed), liveHosts, budget);
    coverage.searched++;
    coverage.steps += plan.steps;
    if (plan.verdict === 'does-not-fit') return { ...coverage, uncovered: failed };
    if (plan.verdict === 'unknown') coverage.undecided.push(failed);
  }
  return coverage;
}

function binomial(n: number, k: number): number {
  let c = 1;
  for (let i = 1; i <= k; i++) c = (c * (n - k + i)) / i;
  return Math.round(c);
}

export interface CapacityAnswer {
  /**
   * The largest k such that ANY k hosts may fail (XenServer's "failures
   * tolerated"); -1 when even the current placement does not fit. When
   * `undecided` is set this is only what is known to hold: k + 1 may hold too.
   */
  tolerated: number;
  /** The coverage of tolerated + 1 failures, when the search could not decide it. */
  undecided?: FailureCoverage;
  /** The coverage of tolerated + 1 failures, when the search found a set the survivors cannot absorb. */
  uncovered?: FailureCoverage;
}

export function capacityOf(
  inv: Inventory,
  liveHosts?: ReadonlySet<string>,
  budget = SEARCH_BUDGET,
): CapacityAnswer {
  const n = inv.hosts.filter((h) => !liveHosts || liveHosts.has(h.name)).length;
  for (let k = 0; k < n; k++) {
    const coverage = failureCoverage(inv, k, liveHosts, budget);
    if (coverage.uncovered) return { tolerated: k - 1, uncovered: coverage };
    if (coverage.undecided.length > 0) return { tolerated: k - 1, undecided: coverage };
  }
  return { tolerated: n - 1 };
}
