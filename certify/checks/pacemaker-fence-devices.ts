import type { CibPrimitive } from '../../protocols/pacemaker/cib.js';
import type { ClusterCheck } from '../check.js';

/** The nodes a stonith device says it can fence, from pcmk_host_list or pcmk_host_map (stonithd(7)). */
export function fencedNodesOf(device: CibPrimitive): string[] | undefined {
  const list = device.params.pcmk_host_list;
  if (list) return list.split(/[\s,]+/).filter(Boolean);
  const map = device.params.pcmk_host_map;
  if (map)
    return map
      .split(/[;\s,]+/)
      .map((e) => e.split(':')[0]!)
      .filter(Boolean);
  return undefined;
}

export const pacemakerFenceDevices: ClusterCheck = {
  kind: 'cluster',
  id: 'pacemaker.fence-device-per-node',
  title: 'every node has a started fence device that does not run on it',
  severity: 'critical',
  why: 'a node without a working fence device cannot be fenced, so its VMs are never restarted elsewhere; a device running on the node it fences dies with it',
  remediation:
    'create one stonith device per node with pcmk_host_list=<node>, and a -INFINITY location constraint keeping it off that node',
  facts: ['cib', 'crmMon'],
  judge(f) {
    const devices = f.cib.primitives.filter((p) => p.class === 'stonith');
    const problems: string[] = [];
    const seen: string[] = [];
    for (const node of f.crmMon.nodes.map((n) => n.name)) {
      const mine = devices.filter((d) => fencedNodesOf(d)?.includes(node));
      if (mine.length === 0) {
        problems.push(`${node}: no stonith device lists it (pcmk_host_list / pcmk_host_map)`);
        continue;
      }
      const usable = mine.filter((d) => {
        const r = f.crmMon.resources.find((x) => x.id === d.id);
        return r?.active && r.role === 'Started' && !r.nodes.includes(node);
      });
      if (usable.length === 0) {
        const states = mine.map((d) => {
          const r = f.crmMon.resources.find((x) => x.id === d.id);
          return `${d.id} ${r ? `${r.role}${r.nodes.length ? ` on ${r.nodes.join('+')}` : ''}` : 'unknown to crm_mon'}`;
        });
        problems.push(`${node}: ${states.join(', ')}`);
      } else seen.push(`${node} by ${usable.map((d) => d.id).join('/')}`);
    }
    return problems.length
      ? { ok: false, detail: problems.join('; ') }
      : { ok: true, detail: `fenceable: ${seen.join(', ')}` };
  },
};
