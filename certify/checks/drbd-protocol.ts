import type { EveryHostCheck } from '../check.js';
import { drbdNotApplicable, drbdPeers, netValues, resourcesOnHost } from './drbd-resources.js';

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
    const bad: string[] = [];
    const good: string[] = [];
    for (const { declared, conf } of resourcesOnHost(host, f.drbd, inventory)) {
      if (!conf) {
        bad.push(`${declared.name} not configured (not in drbdadm dump all)`);
        continue;
      }
      // DRBD's default protocol is C (drbd.conf(5)).
      const protocols = netValues(conf, 'protocol', 'C');
      if (protocols.some((p) => p.toUpperCase() !== 'C'))
        bad.push(`${conf.name} protocol ${protocols.join('/')}`);
      else good.push(`${conf.name} protocol C`);
    }
    return bad.length ? { ok: false, detail: bad.join('; ') } : { ok: true, detail: good.join(', ') };
  },
};
