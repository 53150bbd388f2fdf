import { corosyncNodes, section } from '../../protocols/corosync/corosync-conf.js';
import { pcmkTrue } from '../../protocols/pacemaker/cib.js';
import type { ClusterCheck } from '../check.js';

export const corosyncTwoNode: ClusterCheck = {
  kind: 'cluster',
  id: 'corosync.two-node',
  title: 'two_node with wait_for_all on two-node clusters, off otherwise',
  severity: 'critical',
  why: 'without two_node a two-node cluster loses quorum with either node, so a single failure stops every VM; without wait_for_all both nodes may start alone after a split and fence each other',
  remediation:
    'in the quorum section: `two_node: 1` for two nodes (wait_for_all follows unless set to 0), `two_node: 0` for three or more',
  trento: ['6E9B82', 'D78671'],
  facts: ['corosyncConf', 'cib'],
  judge(f) {
    const nodes = corosyncNodes(f.corosyncConf.conf).length;
    const cibNodes = Object.keys(f.cib.nodes).length;
    const q = section(f.corosyncConf.conf, 'quorum')?.values ?? {};
    const twoNode = pcmkTrue(q.two_node);
    // votequorum(5): two_node turns wait_for_all on unless it is set explicitly.
    const waitForAll = q.wait_for_all === undefined ? twoNode : pcmkTrue(q.wait_for_all);
    if (nodes !== cibNodes) {
      return { ok: false, detail: `${nodes} node(s) in corosync.conf but ${cibNodes} in the CIB` };
    }
    if (nodes === 2) {
      return {
        ok: twoNode && waitForAll,
        detail: `2 nodes: two_node ${q.two_node ?? '(not set)'}, wait_for_all ${waitForAll ? 'on' : 'off'}`,
      };
    }
    return { ok: !twoNode, detail: `${nodes} nodes: two_node ${q.two_node ?? '(not set)'}` };
  },
};
