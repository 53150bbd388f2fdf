import type { HaPlan } from './ha-plan.js';

/**
 * corosync.conf for the lab cluster: knet with two links per node (heartbeat
 * first, management as the fallback, as a real cluster keeps a second ring on
 * another network), encrypted with the lab's authkey, votequorum with
 * two_node in two-node labs. Logs go to stderr, which the host's boot
 * service writes to the host's log directory.
 */
export function corosyncConf(plan: HaPlan): string {
  const nodes = plan.nodes
    .map((n) =>
      [
        '  node {',
        `    name: ${n.name}`,
        `    nodeid: ${n.nodeId}`,
        `    ring0_addr: ${n.heartbeat}`,
        `    ring1_addr: ${n.management}`,
        '  }',
      ].join('\n'),
    )
    .join('\n');
  return `# havoc lab: corosync of ${plan.clusterName}; generated, do not edit.
totem {
  version: 2
  cluster_name: ${plan.clusterName}
  transport: knet
  crypto_cipher: aes256
  crypto_hash: sha256
  link_mode: passive
  token: 3000
  interface {
    linknumber: 0
    knet_link_priority: 2
  }
  interface {
    linknumber: 1
    knet_link_priority: 1
  }
}

nodelist {
${nodes}
}

quorum {
  provider: corosync_votequorum
${plan.twoNode ? '  two_node: 1\n' : ''}}

logging {
  to_stderr: yes
  to_logfile: no
  to_syslog: no
  timestamp: on
}

uidgid {
  uid: hacluster
  gid: haclient
}
`;
}
