import type { ClusterCheck } from '../check.js';

export const pacemakerNoCliConstraints: ClusterCheck = {
  kind: 'cluster',
  id: 'pacemaker.no-cli-constraints',
  title: 'no ban or move constraints left behind (cli-*)',
  severity: 'critical',
  why: '`crm_resource --move` and `--ban` leave a cli- location constraint: a VM banned from a host will not fail over to it, which can leave it nowhere to go',
  remediation:
    '`crm_resource --clear --resource <vm>` (or `crm resource clear <vm>`, `pcs resource clear <vm>`)',
  trento: ['FA37C7'],
  facts: ['cib'],
  judge(f) {
    const left = f.cib.locations.filter((l) => l.id.startsWith('cli-'));
    return {
      ok: left.length === 0,
      detail: left.length
        ? `left behind: ${left.map((l) => `${l.id}${l.resource ? ` (${l.resource})` : ''}`).join(', ')}`
        : `no cli- constraint among ${f.cib.locations.length} location constraint(s)`,
    };
  },
};
