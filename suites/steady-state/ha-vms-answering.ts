import { fail, haVms, pass, type SteadyCheck } from './check.js';

/** Every HA VM's probe answered its newest request, sent recently. */
export const haVmsAnswering: SteadyCheck = {
  name: 'haVmsAnswering',
  summary: "every HA VM answers its inventory probe now (the run's live probe)",
  async check(ctx) {
    const bad: string[] = [];
    const now = process.hrtime.bigint();
    for (const vm of haVms(ctx.inventory)) {
      if (!vm.probe) {
        bad.push(`${vm.name} has no probe in the inventory (add vms[].probe)`);
        continue;
      }
      const st = ctx.probes.get(vm.name);
      if (!st || st.latestSentNs === undefined) bad.push(`${vm.name}: no probe answer yet`);
      else if (now - st.latestSentNs > ctx.freshNs)
        bad.push(`${vm.name}: no probe sample for ${Number((now - st.latestSentNs) / 1_000_000n)} ms`);
      else if (!st.up) bad.push(`${vm.name} does not answer its probe (${st.lastError ?? 'failed'})`);
    }
    return bad.length ? fail(bad.join('; ')) : pass('every HA VM answers its probe');
  },
};
