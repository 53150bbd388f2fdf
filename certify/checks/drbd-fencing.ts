import type { EveryHostCheck } from '../check.js';
import { drbdNotApplicable, drbdPeers, judgeResourcesOnHost, netValues } from './drbd-resources.js';

export const drbdFencing: EveryHostCheck = {
  kind: 'every-host',
  id: 'drbd.fencing',
  title: 'every DRBD resource has fencing resource-and-stonith and a fence-peer handler',
  severity: 'critical',
  why: 'without it a primary that loses its peer goes on writing alone while the cluster may promote the other side: two diverging copies (split brain) and the lost writes of one of them; resource-and-stonith freezes I/O until the fence-peer handler has the peer fenced',
  remediation:
    'set `fencing resource-and-stonith;` (net section, DRBD 9; disk section, 8.4) and in handlers `fence-peer "/usr/lib/drbd/crm-fence-peer.9.sh"; unfence-peer "/usr/lib/drbd/crm-unfence-peer.9.sh";`, then `drbdadm adjust <resource>`',
  facts: ['drbd'],
  notApplicable: drbdNotApplicable,
  hosts: drbdPeers,
  judge(f, host, inventory) {
    return judgeResourcesOnHost(host, f.drbd, inventory, (conf) => {
      // DRBD 8.4 keeps fencing in the disk section; 9 in net. The default is dont-care.
      const policies = conf.disk.fencing ? [conf.disk.fencing] : netValues(conf, 'fencing', 'dont-care');
      const handler = conf.handlers['fence-peer'];
      const problems = [
        ...(policies.some((p) => p !== 'resource-and-stonith') ? [`fencing ${policies.join('/')}`] : []),
        ...(handler ? [] : ['no fence-peer handler']),
      ];
      return problems.length
        ? { problem: `${conf.name}: ${problems.join(', ')}` }
        : { ok: `${conf.name} resource-and-stonith, fence-peer ${handler}` };
    });
  },
};
