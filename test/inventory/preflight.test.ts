import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { Redactor } from '../../core/redact.js';
import { parseInventory } from '../../inventory/load.js';
import { capacityCheck } from '../../inventory/preflight/capacity.js';
import { capacityOf, planFailover, SEARCH_BUDGET } from '../../inventory/preflight/capacity-plan.js';
import { cpuCheck } from '../../inventory/preflight/cpu.js';
import { fenceRaceCheck } from '../../inventory/preflight/fence-race.js';
import { fencingCheck } from '../../inventory/preflight/fencing.js';
import type { PreflightCheck } from '../../inventory/preflight/finding.js';
import { runPreflight } from '../../inventory/preflight/index.js';
import { mtuCheck } from '../../inventory/preflight/mtu.js';
import { probesCheck } from '../../inventory/preflight/probes.js';
import { redundancyCheck } from '../../inventory/preflight/redundancy.js';
import { storageCheck } from '../../inventory/preflight/storage.js';
import { vmNamesCheck } from '../../inventory/preflight/vm-names.js';
import { host, type InventoryInput, inventory, load, vm } from './build.js';

/** The failures tolerated, when the capacity search decided them. */
function decidedTolerated(inv: Parameters<typeof capacityOf>[0]): number | 'undecided' {
  const answer = capacityOf(inv);
  return answer.undecided ? 'undecided' : answer.tolerated;
}

function ids(check: PreflightCheck, input: InventoryInput): string[] {
  return check.run(load(input)).map((f) => f.id);
}

/*
 * A cluster the placement search cannot decide within its budget: h4 fails and
 * its 16 VMs of 4 GiB must go to h1-h3, each with 22 GiB free. 64 GiB are
 * needed and 66 GiB are free, but only 5 such VMs fit on a host, so 15 of 16
 * at most: no placement exists, and proving it means trying far more than
 * SEARCH_BUDGET partial placements.
 */
/** Loads an inventory without writing it to a file (these tests need no secret files). */
function inMemory(input: InventoryInput) {
  return parseInventory('/test/inventory.yaml', stringify(input), new Redactor());
}

function tightCluster(survivorMiB: number, failuresToTolerate = 1) {
  const hosts = ['h1', 'h2', 'h3'].map((n) => host(n, { memoryMiB: survivorMiB }));
  return inventory({
    cluster: { name: 'tight', failuresToTolerate, hostReservedMemoryMiB: 0 },
    hosts: [...hosts, host('h4', { memoryMiB: 65536 })],
    vms: Array.from({ length: 16 }, (_, i) => vm(`v${i + 1}`, 'h4', 4096)),
  });
}

describe('preflight: capacity when the placement search runs out of budget', () => {
  it('an undecided search is capacity.unknown (a warning saying what was tried), never capacity.insufficient', () => {
    const loaded = inMemory(tightCluster(22528));
    const plan = planFailover(loaded.inventory, new Set(['h4']));
    expect(plan.verdict).toBe('unknown');
    expect(plan.steps).toBe(SEARCH_BUDGET + 1);
    const findings = capacityCheck.run(loaded);
    expect(findings.map((f) => [f.id, f.severity])).toEqual([['capacity.unknown', 'warning']]);
    expect(findings[0]?.message).toMatch(
      /cannot tell whether the cluster tolerates 1 host failure\(s\): the placement search stopped after 200,000 steps for 1 of the 4 sets of 1 failed host\(s\) \(first: h4; 200,001 steps in all\)/,
    );
    expect(findings[0]?.message).toMatch(/headroom, or narrow VMs with allowedHosts/);
    expect(findings[0]?.objects).toEqual(['host:h4']);
    expect(capacityOf(loaded.inventory)).toMatchObject({
      tolerated: 0,
      undecided: { failures: 1, undecided: [['h4']], searched: 4, total: 4 },
    });
    const report = runPreflight(loaded, [capacityCheck]);
    expect(report).toMatchObject({
      errors: 0,
      warnings: 1,
      failuresTolerated: 0,
      failuresToleratedExact: false,
    });
  });

  it('the same search with budget to spare proves that no placement exists', () => {
    const loaded = inMemory(tightCluster(22528));
    const plan = planFailover(loaded.inventory, new Set(['h4']), undefined, 10_000_000);
    expect(plan.verdict).toBe('does-not-fit');
    expect(plan.unplaced).toHaveLength(16);
  });

  it('a definite failure at k is still capacity.insufficient when a smaller k was undecided', () => {
    // k = 2: with h4 and h1 failed, two survivors hold at most 10 of the 16 VMs, which the search proves quickly.
    const findings = capacityCheck.run(inMemory(tightCluster(22528, 2)));
    expect(findings.map((f) => f.id)).toEqual(['capacity.insufficient']);
    expect(findings[0]?.message).toMatch(
      /must tolerate 2 host failure\(s\) but tolerates at least 0: if h1 and h4 fail/,
    );
  });

  it('with room for 6 VMs per survivor the first placement tried fits: exact, no finding', () => {
    const loaded = inMemory(tightCluster(24576));
    expect(planFailover(loaded.inventory, new Set(['h4'])).verdict).toBe('fits');
    expect(capacityCheck.run(loaded)).toEqual([]);
    expect(decidedTolerated(loaded.inventory)).toBe(1);
  });

  it('a budget of one step decides nothing on a cluster that the full search decides', () => {
    const input = inventory({
      cluster: { name: 'test', failuresToTolerate: 2 },
      vms: [vm('a1', 'h1', 20480), vm('a2', 'h1', 20480), vm('b1', 'h2', 20480), vm('b2', 'h2', 20480)],
    });
    const inv = inMemory(input).inventory;
    expect(planFailover(inv, new Set(['h1', 'h2']), undefined, 1).verdict).toBe('unknown');
    expect(planFailover(inv, new Set(['h1', 'h2'])).verdict).toBe('does-not-fit');
  });
});

describe('preflight: capacity', () => {
  // Three hosts of 64 GiB; 40 GiB of restart VMs on each. Any one host's VMs
  // fit on the other two (20 GiB free each + split), two failures do not.
  const threeHosts = inventory({
    vms: [
      vm('a1', 'h1', 20480),
      vm('a2', 'h1', 20480),
      vm('b1', 'h2', 20480),
      vm('b2', 'h2', 20480),
      vm('c1', 'h3', 20480),
      vm('c2', 'h3', 20480),
    ],
  });

  it('k=1 holds on three hosts and the largest k reported is 1', () => {
    expect(ids(capacityCheck, threeHosts)).toEqual([]);
    expect(decidedTolerated(load(threeHosts).inventory)).toBe(1);
    expect(runPreflight(load(threeHosts))).toMatchObject({
      failuresTolerated: 1,
      failuresToleratedExact: true,
    });
  });

  it('k=2 does not hold on the same cluster, and the finding names the failed hosts', () => {
    const input = { ...threeHosts, cluster: { name: 'test', failuresToTolerate: 2 } };
    const findings = capacityCheck.run(load(input));
    expect(findings).toHaveLength(1);
    expect(findings[0]?.id).toBe('capacity.insufficient');
    expect(findings[0]?.message).toMatch(/tolerate 2 .* tolerates 1/);
    expect(findings[0]?.objects).toHaveLength(2);
  });

  it('best-effort VMs are not required to restart', () => {
    const input = inventory({
      cluster: { name: 'test', failuresToTolerate: 2 },
      vms: [
        vm('a1', 'h1', 60000, { haPriority: 'best-effort' }),
        vm('b1', 'h2', 60000, { haPriority: 'never' }),
      ],
    });
    expect(ids(capacityCheck, input)).toEqual([]);
  });

  it('the vCPU overcommit ratio limits placement too', () => {
    const input = inventory({
      cluster: { name: 'test', vcpuOvercommit: 1 },
      vms: [
        vm('a1', 'h1', 1024, { vcpus: 32 }),
        vm('b1', 'h2', 1024, { vcpus: 32 }),
        vm('c1', 'h3', 1024, { vcpus: 32 }),
      ],
    });
    expect(ids(capacityCheck, input)).toEqual(['capacity.insufficient']);
  });

  it('VMs that do not fit even with every host up are reported as overcommitted', () => {
    const input = inventory({ vms: [vm('big', 'h1', 70000)] });
    expect(ids(capacityCheck, input)).toEqual(['capacity.overcommitted']);
    expect(decidedTolerated(load(input).inventory)).toBe(-1);
  });

  it('respects allowedHosts when placing', () => {
    // b1 may only run on h2: if h2 fails nothing can take it.
    const input = inventory({ vms: [vm('b1', 'h2', 1024, { allowedHosts: ['h2'] })] });
    expect(ids(capacityCheck, input)).toEqual(['capacity.insufficient']);
  });
});

describe('preflight: the other checks fail and pass', () => {
  it('VM names unique cluster-wide', () => {
    expect(ids(vmNamesCheck, inventory({ vms: [vm('web', 'h1', 1024), vm('web', 'h2', 1024)] }))).toEqual([
      'vm.duplicate-name',
    ]);
    expect(ids(vmNamesCheck, inventory({ vms: [vm('web', 'h1', 1024), vm('db', 'h2', 1024)] }))).toEqual([]);
  });

  it('every host has a fencing level', () => {
    const input = inventory({ hosts: [host('h1'), host('h2', { fencing: { levels: [] } }), host('h3')] });
    expect(ids(fencingCheck, input)).toEqual(['fencing.no-level']);
    expect(ids(fencingCheck, inventory())).toEqual([]);
  });

  it("warns when every level depends on the host's own BMC", () => {
    const bmcOnly = { levels: [{ devices: [{ type: 'bmc' as const }] }] };
    const input = inventory({ hosts: [host('h1', { fencing: bmcOnly }), host('h2'), host('h3')] });
    const findings = fencingCheck.run(load(input));
    expect(findings.map((f) => [f.id, f.severity])).toEqual([['fencing.bmc-only', 'warning']]);
    expect(findings[0]?.message).toMatch(/switch-ports level/);
  });

  it('two-node clusters configure a fence delay or priority', () => {
    const noDelay = { levels: [{ devices: [{ type: 'bmc' as const }] }] };
    const twoNoDelay = inventory({
      hosts: [host('h1', { fencing: noDelay }), host('h2', { fencing: noDelay })],
    });
    expect(ids(fenceRaceCheck, twoNoDelay)).toEqual(['fencing.race']);
    const withPriority = {
      ...twoNoDelay,
      haManager: { type: 'pacemaker' as const, priorityFencingDelaySeconds: 10 },
    };
    expect(ids(fenceRaceCheck, withPriority)).toEqual([]);
    expect(ids(fenceRaceCheck, inventory({ hosts: [host('h1'), host('h2')] }))).toEqual([]);
    const sameDelay = { levels: noDelay.levels, delaySeconds: 5 };
    expect(
      ids(
        fenceRaceCheck,
        inventory({ hosts: [host('h1', { fencing: sameDelay }), host('h2', { fencing: sameDelay })] }),
      ),
    ).toEqual(['fencing.race']);
  });

  it('hosts VMs may live-migrate between have the same CPU', () => {
    const mixed = inventory({
      hosts: [host('h1'), host('h2', { cpu: { family: 'EPYC', model: '7313' } }), host('h3')],
      vms: [vm('web', 'h1', 1024)],
    });
    expect(ids(cpuCheck, mixed)).toEqual(['cpu.mismatch', 'cpu.mismatch']);
    // Pinning the VM to the two identical hosts makes it safe.
    const pinned = { ...mixed, vms: [vm('web', 'h1', 1024, { allowedHosts: ['h1', 'h3'] })] };
    expect(ids(cpuCheck, pinned)).toEqual([]);
  });

  it('MTU is consistent on hosts and switch ports of a network', () => {
    const jumbo = inventory({
      networks: [
        { name: 'hb', role: 'heartbeat', mtu: 1500 },
        { name: 'storage', role: 'storage', mtu: 9000 },
      ],
    });
    // The default hosts carry storage on a 1500 bond: too small for jumbo frames.
    expect(ids(mtuCheck, jumbo)).toContain('mtu.interface-too-small');
    const fixedHosts = ['h1', 'h2', 'h3'].map((n) => {
      const h = host(n);
      return {
        ...h,
        bonds: [
          { ...h.bonds![0]!, networks: ['hb'] },
          {
            name: 'bond1',
            mode: 'active-backup' as const,
            networks: ['storage'],
            mtu: 9000,
            slaves: [
              { name: 'eth2', switchPort: { switch: 'sw1', port: `${n}-c` } },
              { name: 'eth3', switchPort: { switch: 'sw2', port: `${n}-d` } },
            ],
          },
        ],
      };
    });
    expect(ids(mtuCheck, { ...jumbo, hosts: fixedHosts })).toEqual([]);
    const smallSwitch = {
      ...jumbo,
      hosts: fixedHosts,
      switches: jumbo.switches!.map((s) => ({ ...s, defaultMtu: 1500 })),
    };
    expect(ids(mtuCheck, smallSwitch)).toContain('mtu.switch-port-too-small');
  });

  it('heartbeat and storage ride on redundant bonds across stacked switches', () => {
    expect(ids(redundancyCheck, inventory())).toEqual([]);
    const single = inventory({
      hosts: [
        host('h1', {
          bonds: [],
          nics: [{ name: 'eth0', networks: ['hb', 'storage'], switchPort: { switch: 'sw1', port: 'p1' } }],
        }),
        host('h2'),
        host('h3'),
      ],
    });
    expect(ids(redundancyCheck, single)).toEqual(['redundancy.single-link', 'redundancy.single-link']);
    // corosync links on two networks make a single-NIC heartbeat redundant; storage stays a single link.
    const twoRings = {
      ...single,
      networks: [...single.networks!, { name: 'mgmt', role: 'management' as const }],
      haManager: { type: 'pacemaker' as const, heartbeatNetworks: ['hb', 'mgmt'] },
      hosts: [
        host('h1', {
          bonds: [],
          nics: [
            { name: 'eth0', networks: ['hb', 'storage'], switchPort: { switch: 'sw1', port: 'p1' } },
            { name: 'eth1', networks: ['mgmt'], switchPort: { switch: 'sw2', port: 'p2' } },
          ],
        }),
        host('h2'),
        host('h3'),
      ],
    };
    const ringFindings = redundancyCheck.run(load(twoRings));
    expect(ringFindings.map((f) => [f.id, f.objects.find((o) => o.startsWith('network:'))])).toEqual([
      ['redundancy.single-link', 'network:storage'],
    ]);
    const lacpUnstacked = inventory({
      switches: inventory().switches!.map((s) => ({ ...s, stackedWith: undefined })),
      hosts: ['h1', 'h2', 'h3'].map((n) => {
        const h = host(n);
        return { ...h, bonds: [{ ...h.bonds![0]!, mode: '802.3ad' as const }] };
      }),
    });
    expect(ids(redundancyCheck, lacpUnstacked)).toContain('redundancy.lacp-across-unstacked');
  });

  it('storage is reachable from every host a VM may run on; DRBD lists both peers', () => {
    const partial = inventory({
      storage: [{ name: 'nbd', type: 'nbd', server: 'st', exports: ['x'], hosts: ['h1', 'h2'] }],
      vms: [vm('web', 'h1', 1024)],
    });
    expect(ids(storageCheck, partial)).toEqual(['storage.unreachable']);
    const pinned = { ...partial, vms: [vm('web', 'h1', 1024, { allowedHosts: ['h1', 'h2'] })] };
    expect(ids(storageCheck, pinned)).toEqual([]);
    const drbd = inventory({
      storage: [{ name: 'nbd', type: 'drbd', resources: [{ name: 'r0', peers: ['h1'] }] }],
      vms: [],
    });
    expect(ids(storageCheck, drbd)).toEqual(['storage.drbd-single-peer']);
    const noNet = inventory({
      storage: [{ name: 'nbd', type: 'nbd', server: 'st', exports: ['x'], network: 'hb' }],
    });
    expect(ids(storageCheck, noNet)).toEqual([]);
    const missingNet = inventory({
      networks: [...inventory().networks!, { name: 'san', role: 'storage' }],
      storage: [{ name: 'nbd', type: 'nbd', server: 'st', exports: ['x'], network: 'san' }],
    });
    expect(ids(storageCheck, missingNet)).toEqual([
      'storage.network-missing',
      'storage.network-missing',
      'storage.network-missing',
    ]);
  });

  it('every HA VM has a service probe', () => {
    expect(ids(probesCheck, inventory({ vms: [vm('web', 'h1', 1024, { probe: undefined })] }))).toEqual([
      'vm.no-probe',
    ]);
    expect(
      ids(
        probesCheck,
        inventory({ vms: [vm('web', 'h1', 1024, { probe: undefined, haPriority: 'never' })] }),
      ),
    ).toEqual([]);
    expect(ids(probesCheck, inventory({ vms: [vm('web', 'h1', 1024)] }))).toEqual([]);
  });
});
