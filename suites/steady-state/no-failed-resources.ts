import { errorMessage } from '../../core/errors.js';
import { fail, pass, type SteadyCheck } from './check.js';

/** No resource failed, blocked or unmanaged, and no failed action left in the CIB. */
export const noFailedResources: SteadyCheck = {
  name: 'noFailedResources',
  summary: 'no resource is failed, blocked or unmanaged and no failed action is recorded',
  async check(ctx) {
    let status: Awaited<ReturnType<typeof ctx.cluster>>;
    try {
      status = await ctx.cluster();
    } catch (err) {
      return fail(`no cluster node answered crm_mon: ${errorMessage(err)}`);
    }
    const bad = [
      ...status.resources.filter((r) => r.failed).map((r) => `${r.id} failed`),
      ...status.resources.filter((r) => r.blocked).map((r) => `${r.id} blocked`),
      ...status.resources.filter((r) => !r.managed).map((r) => `${r.id} unmanaged`),
      ...status.failures.map(
        (f) => `failed action ${f.opKey} on ${f.node}${f.exitReason ? ` (${f.exitReason})` : ''}`,
      ),
    ];
    return bad.length ? fail(bad.join('; ')) : pass(`${status.resources.length} resource(s), none failed`);
  },
};
