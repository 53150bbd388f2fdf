import { pcmkTrue } from '../../protocols/pacemaker/cib.js';
import type { ClusterCheck } from '../check.js';

export const pacemakerNodesActive: ClusterCheck = {
  kind: 'cluster',
  id: 'pacemaker.nodes-active',
  title: 'every node online, none in standby or maintenance, no maintenance mode',
  severity: 'critical',
  why: 'a node in standby or maintenance takes no VMs, so the cluster has less room than its capacity plan counts on; in maintenance mode nothing fails over at all',
  remediation:
    '`crm node online <node>` / `crm node ready <node>`, `crm configure property maintenance-mode=false` (pcs: node unstandby / unmaintenance)',
  facts: ['crmMon', 'cib'],
  judge(f) {
    const problems = f.crmMon.nodes.flatMap((n) => [
      ...(n.online ? [] : [`${n.name} offline`]),
      ...(n.standby ? [`${n.name} in standby`] : []),
      ...(n.maintenance ? [`${n.name} in maintenance`] : []),
    ]);
    if (pcmkTrue(f.cib.properties['maintenance-mode'])) problems.push('maintenance-mode=true');
    return {
      ok: problems.length === 0,
      detail: problems.length ? problems.join(', ') : `${f.crmMon.nodes.length} node(s) online and active`,
    };
  },
};
