import { createHash } from 'node:crypto';
import type { SameOnEveryHostCheck } from '../check.js';

export const corosyncConfIdentical: SameOnEveryHostCheck = {
  kind: 'same-on-every-host',
  id: 'corosync.conf-identical',
  title: 'corosync.conf is identical on every node',
  severity: 'critical',
  why: 'nodes that read different timeouts or links disagree on when a node is lost; the difference shows only during a failure',
  remediation:
    'copy one corosync.conf to every node (`corosync-cfgtool -R` after), or manage it with pcs / crm cluster',
  trento: ['BA215C'],
  facts: ['corosyncConf'],
  values(f) {
    return {
      'corosync.conf sha256': createHash('sha256').update(f.corosyncConf.text).digest('hex').slice(0, 16),
    };
  },
};
