import type { AcrossHostsCheck } from '../check.js';
import { definitionsOf, notSeen, vmChecksNotApplicable } from './vm-seen.js';

export const vmMemoryDeclared: AcrossHostsCheck = {
  kind: 'across-hosts',
  id: 'vm.memory-declared',
  title: "no VM is defined with more memory than the inventory declares (the capacity plan's figures)",
  severity: 'critical',
  why: 'the capacity plan (havoc preflight: which host failures the cluster survives) adds up the declared memory; a VM defined bigger makes the survivors too small, and its restart after a failure fails for lack of memory',
  remediation:
    "lower the domain's <memory> (QEMU -m) to the inventory's memoryMiB, or declare the real figure in the inventory and run havoc preflight again",
  facts: ['vms'],
  notApplicable: (inv) => vmChecksNotApplicable(inv, inv.vms),
  judge(hosts, inventory) {
    const bad: string[] = [];
    const fine: string[] = [];
    const unseen: string[] = [];
    const unknown: string[] = [];
    for (const vm of inventory.vms) {
      const defs = definitionsOf(vm.name, hosts);
      if (defs.length === 0) unseen.push(vm.name);
      for (const { host, def } of defs) {
        if (def.memoryMiB === undefined) unknown.push(`${vm.name} on ${host} (its command line has no -m)`);
        else if (def.memoryMiB > vm.memoryMiB)
          bad.push(`${vm.name} on ${host}: ${def.memoryMiB} MiB defined, ${vm.memoryMiB} MiB declared`);
        else fine.push(`${vm.name} on ${host} ${def.memoryMiB}/${vm.memoryMiB} MiB`);
      }
    }
    if (bad.length) return { ok: false, detail: bad.join('; ') };
    const unjudged = [notSeen(unseen), unknown.length ? `memory unknown: ${unknown.join(', ')}` : undefined]
      .filter(Boolean)
      .join('; ');
    return {
      ok: true,
      detail: fine.length ? `within the declared memory: ${fine.join(', ')}` : 'no VM seen',
      ...(unjudged ? { unjudged } : {}),
    };
  },
};
