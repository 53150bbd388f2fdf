import { pcmkTrue } from '../../protocols/pacemaker/cib.js';
import type { ClusterCheck } from '../check.js';

export const pacemakerStonithEnabled: ClusterCheck = {
  kind: 'cluster',
  id: 'pacemaker.stonith-enabled',
  title: 'fencing is enabled (stonith-enabled=true)',
  severity: 'critical',
  why: 'without fencing Pacemaker restarts the VMs of a node it merely cannot see, so a VM may run twice and corrupt its disk',
  remediation: '`crm configure property stonith-enabled=true` (or `pcs property set stonith-enabled=true`)',
  // Trento 205AF7 fails when the property is missing too, although Pacemaker's default is true: kept, so the choice is written down.
  trento: ['205AF7'],
  facts: ['cib'],
  judge(f) {
    const v = f.cib.properties['stonith-enabled'];
    return { ok: pcmkTrue(v), detail: `stonith-enabled ${v ?? '(not set)'}` };
  },
};
