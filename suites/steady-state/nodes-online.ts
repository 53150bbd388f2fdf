import { errorMessage } from '../../core/errors.js';
import { fail, pass, type SteadyCheck } from './check.js';

/** Every inventory host is an online cluster node, not standby, unclean, pending or in maintenance. */
export const nodesOnline: SteadyCheck = {
  name: 'nodesOnline',
  summary: 'every host is an online cluster node (not standby, unclean, pending, maintenance)',
  async check(ctx) {
    let status: Awaited<ReturnType<typeof ctx.cluster>>;
    try {
      status = await ctx.cluster();
    } catch (err) {
      return fail(`no cluster node answered crm_mon: ${errorMessage(err)}`);
    }
    const bad: string[] = [];
    for (const h of ctx.inventory.hosts) {
      const n = status.nodes.find((x) => x.name === h.name);
      if (!n) bad.push(`${h.name} is not a cluster node`);
      else {
        const flags = (['standby', 'unclean', 'pending', 'maintenance'] as const).filter((k) => n[k]);
        if (!n.online) bad.push(`${h.name} is offline`);
        else if (flags.length) bad.push(`${h.name} is ${flags.join(', ')}`);
      }
    }
    return bad.length ? fail(bad.join('; ')) : pass(`${ctx.inventory.hosts.length} node(s) online`);
  },
};
