import type { EveryHostCheck } from '../check.js';
import { drbdNotApplicable, drbdPeers, judgeResourcesOnHost, netValues } from './drbd-resources.js';

export const drbdProtocol: EveryHostCheck = {
  kind: 'every-host',
  id: 'drbd.protocol-c',
  title: 'every DRBD resource replicates with protocol C (synchronous)',
  severity: 'critical',
  why: "with protocol A or B a write is acknowledged before it reached the peer's disk: after a failover the VM restarts on data that lacks its last writes, and a live migration needs every write on both sides",
  remediation:
    'set `protocol C;` in the net section of the resource (or common), then `drbdadm adjust <resource>` on every peer',
  facts: ['drbd'],
  notApplicable: drbdNotApplicable,
  hosts: drbdPeers,
  judge(f, host, inventory) {
    return judgeResourcesOnHost(host, f.drbd, inventory, (conf) => {
      // DRBD's default protocol is C (drbd.conf(5)).
      const protocols = netValues(conf, 'protocol', 'C');
      return protocols.some((p) => p.toUpperCase() !== 'C')
        ? { problem: `${conf.name} protocol ${protocols.join('/')}` }
        : { ok: `${conf.name} protocol C` };
    });
  },
};
