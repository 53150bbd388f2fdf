import type { ClusterCheck } from '../check.js';

export const pacemakerFenceDelay: ClusterCheck = {
  kind: 'cluster',
  id: 'pacemaker.fence-delay',
  title: 'a two-node cluster has a fence delay (pcmk_delay_base / pcmk_delay_max or priority-fencing-delay)',
  severity: 'critical',
  why: 'when the link between two nodes breaks each fences the other at the same moment and both go down: a delay on one side lets one survive',
  remediation:
    "set pcmk_delay_base=5s on the device that fences the preferred survivor's peer, or the property priority-fencing-delay with resource priorities",
  trento: ['0AA227'],
  facts: ['cib'],
  notApplicable: (inv) =>
    inv.hosts.length === 2 ? undefined : `${inv.hosts.length} hosts: a fence race needs exactly two`,
  judge(f) {
    const delayed = f.cib.primitives.filter(
      (p) => p.class === 'stonith' && (p.params.pcmk_delay_base || p.params.pcmk_delay_max),
    );
    const priority = f.cib.properties['priority-fencing-delay'];
    const ok = delayed.length > 0 || (priority !== undefined && priority !== '0' && priority !== '0s');
    return {
      ok,
      detail: ok
        ? [
            ...delayed.map(
              (d) =>
                `${d.id} pcmk_delay_${d.params.pcmk_delay_base ? `base=${d.params.pcmk_delay_base}` : `max=${d.params.pcmk_delay_max}`}`,
            ),
            ...(priority ? [`priority-fencing-delay=${priority}`] : []),
          ].join(', ')
        : 'no stonith device has pcmk_delay_base or pcmk_delay_max and priority-fencing-delay is not set',
    };
  },
};
