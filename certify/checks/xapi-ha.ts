import type { Inventory } from '../../inventory/schema.js';
import type { PoolCheck } from '../check.js';

/*
 * XenServer / XCP-ng pool HA, from the pool master's XAPI records
 * (datamodel class pool: ha_enabled, ha_statefiles,
 * ha_host_failures_to_tolerate, ha_plan_exists_for; VDI.SR; PBD host,
 * SR, currently_attached).
 */

const notXapi = (inv: Inventory) =>
  inv.haManager?.type === 'xapi' ? undefined : 'not a XenServer / XCP-ng pool';

export const xapiHaEnabled: PoolCheck = {
  kind: 'xapi-pool',
  id: 'xapi.ha-enabled',
  title: 'pool HA is enabled',
  severity: 'critical',
  why: 'without pool HA nothing restarts the VMs of a failed host and nothing fences a host that lost the heartbeat',
  remediation: '`xe pool-ha-enable heartbeat-sr-uuids=<SR uuid>` (or XenCenter / Xen Orchestra: pool, HA)',
  facts: [],
  notApplicable: notXapi,
  judge: (p) => ({
    ok: p.pool.haEnabled,
    detail: `pool ${p.pool.nameLabel}: ha_enabled ${p.pool.haEnabled}`,
  }),
};

export const xapiStatefilePlugged: PoolCheck = {
  kind: 'xapi-pool',
  id: 'xapi.statefile-plugged',
  title: 'the HA heartbeat (statefile) SR is plugged on every host',
  severity: 'critical',
  why: 'a host that cannot reach the heartbeat SR cannot prove it is alive by storage: on a network partition it self-fences, and the pool cannot tell a dead host from a cut-off one',
  remediation:
    '`xe pbd-plug uuid=<PBD of the heartbeat SR on that host>`, and fix the storage path of that host',
  facts: [],
  notApplicable: notXapi,
  judge(p) {
    if (p.statefileSrs.length === 0)
      return { ok: false, detail: `pool ${p.pool.nameLabel} has no HA statefile (ha_statefiles empty)` };
    const problems = p.statefileSrs.flatMap((sr) => {
      const missing = p.hosts.filter((h) => !sr.pluggedOn.includes(h));
      return missing.length ? [`SR ${sr.nameLabel} not plugged on ${missing.join(', ')}`] : [];
    });
    return problems.length
      ? { ok: false, detail: problems.join('; ') }
      : {
          ok: true,
          detail: p.statefileSrs
            .map((sr) => `SR ${sr.nameLabel} plugged on ${sr.pluggedOn.join(', ')}`)
            .join('; '),
        };
  },
};

export const xapiFailuresTolerated: PoolCheck = {
  kind: 'xapi-pool',
  id: 'xapi.failures-tolerated',
  title:
    "the pool tolerates at least one host failure (and the inventory's failuresToTolerate), and its plan holds",
  severity: 'critical',
  why: 'ha_host_failures_to_tolerate 0 restarts nothing; a plan that exists for fewer failures than configured (ha_plan_exists_for) means the pool is overcommitted: after the next host failure some protected VMs stay down',
  remediation:
    '`xe pool-param-set uuid=<pool> ha-host-failures-to-tolerate=<n>`; if the plan falls short, free memory (fewer or smaller protected VMs, more hosts)',
  facts: [],
  notApplicable: notXapi,
  judge(p, inventory) {
    const want = Math.max(1, inventory.cluster.failuresToTolerate);
    const { hostFailuresToTolerate: ftt, planExistsFor: plan } = p.pool;
    const problems = [
      ...(ftt < want ? [`ha_host_failures_to_tolerate ${ftt}, at least ${want} wanted`] : []),
      ...(plan < ftt ? [`ha_plan_exists_for ${plan} < ${ftt}: the plan does not hold`] : []),
    ];
    return {
      ok: problems.length === 0,
      detail: problems.length
        ? problems.join('; ')
        : `ha_host_failures_to_tolerate ${ftt}, ha_plan_exists_for ${plan} (inventory: ${inventory.cluster.failuresToTolerate})`,
    };
  },
};

export const xapiVmMemoryDeclared: PoolCheck = {
  kind: 'xapi-pool',
  id: 'xapi.vm-memory-declared',
  title:
    "no VM of the pool has more memory (memory_static_max) than the inventory declares (the capacity plan's figures)",
  severity: 'critical',
  why: "the capacity plan (havoc preflight) adds up the declared memory; a VM bigger in XAPI makes the survivors too small, and XAPI's own HA plan (ha_plan_exists_for) counts the real figure",
  remediation:
    '`xe vm-memory-limits-set uuid=<vm> static-max=<declared>MiB ...` (the VM halted), or declare the real figure in the inventory and run havoc preflight again',
  facts: [],
  notApplicable: (inv) => notXapi(inv) ?? (inv.vms.length ? undefined : 'no VM in the inventory'),
  judge(p, inventory) {
    const bad: string[] = [];
    const fine: string[] = [];
    const unseen: string[] = [];
    for (const vm of inventory.vms) {
      const inPool = p.vms.filter((v) => v.name === vm.name);
      if (inPool.length === 0) unseen.push(vm.name);
      for (const v of inPool) {
        if (v.memoryMiB > vm.memoryMiB)
          bad.push(`${vm.name}: memory_static_max ${v.memoryMiB} MiB, ${vm.memoryMiB} MiB declared`);
        else fine.push(`${vm.name} ${v.memoryMiB}/${vm.memoryMiB} MiB`);
      }
    }
    if (bad.length) return { ok: false, detail: bad.join('; ') };
    return {
      ok: true,
      detail: fine.length ? `within the declared memory: ${fine.join(', ')}` : 'no inventory VM in the pool',
      ...(unseen.length ? { unjudged: `${unseen.join(', ')} not in the pool (no such name_label)` } : {}),
    };
  },
};
