import type { ClusterCheck } from '../check.js';

export const pacemakerNoFailedActions: ClusterCheck = {
  kind: 'cluster',
  id: 'pacemaker.no-failed-actions',
  title: 'no failed resource actions',
  severity: 'warning',
  why: 'a failed action is a failure nobody looked at; it also counts towards the migration threshold, so the next failure may move or block a VM',
  remediation: "find the cause in the node's pacemaker log, then `crm_resource --cleanup --resource <id>`",
  facts: ['crmMon'],
  judge(f) {
    const failed = f.crmMon.failures;
    return {
      ok: failed.length === 0,
      detail: failed.length
        ? failed
            .map((x) => `${x.opKey} on ${x.node}: ${x.exitStatus}${x.exitReason ? ` (${x.exitReason})` : ''}`)
            .join('; ')
        : 'none',
    };
  },
};
