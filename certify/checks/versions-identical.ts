import type { SameOnEveryHostCheck } from '../check.js';

export const versionsIdentical: SameOnEveryHostCheck = {
  kind: 'same-on-every-host',
  id: 'versions.identical',
  title:
    'pacemaker, corosync, resource-agents, fence-agents, QEMU and libvirt versions are the same on every node',
  severity: 'critical',
  why: 'mixed versions are supported only during a rolling upgrade: a live migration to an older QEMU, or a resource agent that behaves differently on one node, fails exactly during a failover',
  remediation: 'upgrade every node to the same package versions (one at a time, in standby)',
  trento: ['82A031', 'DF8328'],
  facts: ['packages'],
  values: (f) => f.packages,
};
