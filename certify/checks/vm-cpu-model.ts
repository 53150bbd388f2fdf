import { allowedHostsOf } from '../../inventory/preflight/capacity-plan.js';
import type { AcrossHostsCheck } from '../check.js';
import { definitionsOf, notSeen, vmChecksNotApplicable } from './vm-seen.js';

/*
 * Decided: a guest that sees the host's CPU (libvirt host-passthrough,
 * host-model or maximum; QEMU -cpu host / max under KVM) needs the same CPU
 * model on every host it may run on: passthrough exposes every flag of the
 * source, and host-model expands to the source host's model and features,
 * which a different host may lack, so a migration is refused or the guest
 * faults on an instruction that vanished. A named model (custom mode, or no
 * <cpu> / no -cpu: the hypervisor's default model) and an emulated CPU (TCG,
 * domain type qemu) do not depend on the host's model: those pass, with the
 * mode named. The static preflight compares the declared models (cpu.mismatch);
 * this compares what the hosts report.
 */

export const vmCpuModel: AcrossHostsCheck = {
  kind: 'across-hosts',
  id: 'vm.cpu-model',
  title: 'a VM that sees the host CPU may run only on hosts with the same CPU model',
  severity: 'critical',
  why: 'a guest started with the CPU of one host (host-passthrough, host-model) is refused by, or crashes on, a host with another CPU model when it is migrated or restarted there: the failover fails exactly when it is needed',
  remediation:
    "give the VM a named CPU model every allowed host supports (<cpu mode='custom'><model>...</model></cpu>), or restrict it to hosts with the same CPU (allowedHosts in the inventory and a location constraint)",
  facts: ['vms', 'hostCpu'],
  notApplicable: (inv) => vmChecksNotApplicable(inv, inv.vms),
  judge(hosts, inventory) {
    const cpuOf = new Map(hosts.map((h) => [h.host, h.values.hostCpu.model]));
    const bad: string[] = [];
    const seen: string[] = [];
    const unseen: string[] = [];
    for (const vm of inventory.vms) {
      const defs = definitionsOf(vm.name, hosts);
      if (defs.length === 0) {
        unseen.push(vm.name);
        continue;
      }
      const sees = defs.find((d) => d.def.cpu.kind === 'host');
      if (!sees) {
        seen.push(`${vm.name} ${defs[0]!.def.cpu.detail}`);
        continue;
      }
      const models = new Map<string, string[]>();
      for (const h of allowedHostsOf(vm, inventory)) {
        const model = cpuOf.get(h);
        if (model !== undefined) models.set(model, [...(models.get(model) ?? []), h]);
      }
      if (models.size > 1)
        bad.push(
          `${vm.name} (${sees.def.cpu.detail} on ${sees.host}) may run on ${[...models].map(([m, hs]) => `${hs.join(', ')}: ${m}`).join(' vs ')}`,
        );
      else seen.push(`${vm.name} ${sees.def.cpu.detail}, all its hosts ${[...models.keys()][0] ?? '?'}`);
    }
    const hostsDetail = Object.fromEntries(hosts.map((h) => [h.host, `CPU ${h.values.hostCpu.model}`]));
    if (bad.length) return { ok: false, detail: bad.join('; '), hosts: hostsDetail };
    return {
      ok: true,
      detail: seen.join('; ') || 'no VM seen',
      unjudged: notSeen(unseen),
      hosts: hostsDetail,
    };
  },
};
