import { resourceOf, vmHostsOf } from '../../chaos/pacemaker-cluster.js';
import { errorMessage } from '../../core/errors.js';
import { haResourceOfVm } from '../../inventory/ha-names.js';
import { fail, haVms, pass, type SteadyCheck } from './check.js';

/** Every HA VM's resource is started on exactly one node. */
export const haVmsRunning: SteadyCheck = {
  name: 'haVmsRunning',
  summary: 'every HA VM (haPriority restart) is running on exactly one host, per crm_mon',
  async check(ctx) {
    let status: Awaited<ReturnType<typeof ctx.cluster>>;
    try {
      status = await ctx.cluster();
    } catch (err) {
      return fail(`no cluster node answered crm_mon: ${errorMessage(err)}`);
    }
    const bad: string[] = [];
    const where: string[] = [];
    for (const vm of haVms(ctx.inventory)) {
      const r = resourceOf(status, haResourceOfVm(vm));
      const hosts = vmHostsOf(status, vm);
      if (!r) bad.push(`${vm.name} is not a cluster resource`);
      else if (hosts.length !== 1 || r.role !== 'Started')
        bad.push(`${vm.name} is ${r.role} on ${hosts.length ? hosts.join(', ') : 'no host'}`);
      else where.push(`${vm.name} on ${hosts[0]}`);
    }
    return bad.length ? fail(bad.join('; ')) : pass(where.length ? where.join(', ') : 'no HA VMs');
  },
};
