import type { ClusterCheck } from '../check.js';

export const pacemakerNoFailCounts: ClusterCheck = {
  kind: 'cluster',
  id: 'pacemaker.no-fail-counts',
  title: 'no resource has a fail count',
  severity: 'warning',
  why: 'a fail count brings a resource closer to its migration threshold: once reached, Pacemaker moves it away and will not bring it back',
  remediation: '`crm_resource --cleanup --resource <id>` once the cause is fixed',
  facts: ['crmMon'],
  judge(f) {
    const counts = f.crmMon.failCounts.filter((c) => c.failCount > 0);
    return {
      ok: counts.length === 0,
      detail: counts.length
        ? counts
            .map(
              (c) =>
                `${c.resource} on ${c.node}: ${c.failCount}${c.migrationThreshold ? ` of ${c.migrationThreshold}` : ''}`,
            )
            .join('; ')
        : 'none',
    };
  },
};
