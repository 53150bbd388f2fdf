import { interfacesOn, sameFailureDomain } from '../topology.js';
import type { Finding, PreflightCheck } from './finding.js';

// Replication links (DRBD) count too: losing the only one means split brain or a stale peer.
const CRITICAL_ROLES = new Set(['heartbeat', 'storage', 'replication']);

export const redundancyCheck: PreflightCheck = {
  name: 'redundancy',
  description:
    'heartbeat, storage and replication networks ride on a bond of at least two slaves, on different switches unless those switches are stacked',
  run({ inventory }) {
    const findings: Finding[] = [];
    const heartbeatNetworks =
      inventory.haManager?.type === 'pacemaker' ? (inventory.haManager.heartbeatNetworks ?? []) : [];
    /** How many of corosync's link networks this host is on. */
    const corosyncLinksOn = (host: (typeof inventory.hosts)[number]) =>
      heartbeatNetworks.filter((n) => interfacesOn(host, n).length > 0).length;
    for (const net of inventory.networks.filter((n) => CRITICAL_ROLES.has(n.role))) {
      for (const host of inventory.hosts) {
        for (const iface of interfacesOn(host, net.name)) {
          const objects = [`host:${host.name}`, `network:${net.name}`];
          if (iface.links < 2 && net.role === 'heartbeat' && corosyncLinksOn(host) >= 2) {
            // corosync's own knet links on two networks make the heartbeat redundant without a bond.
            continue;
          }
          if (iface.links < 2) {
            findings.push({
              id: 'redundancy.single-link',
              severity: 'warning',
              message: `${net.role} network ${net.name} reaches ${host.name} over the single link ${iface.name}: one cable, NIC or switch port failure isolates the host and triggers a fence`,
              objects,
            });
            continue;
          }
          const switches = [...new Set(iface.switchPorts.map((p) => p.switch))];
          if (switches.length === 1 && iface.switchPorts.length >= 2) {
            findings.push({
              id: 'redundancy.single-switch',
              severity: 'warning',
              message: `every slave of ${host.name}:${iface.name} (${net.name}) plugs into switch ${switches[0]}: that switch is a single point of failure`,
              objects: [...objects, `switch:${switches[0]}`],
            });
          }
          if (iface.bondMode === '802.3ad' && switches.length > 1) {
            const unstacked = switches.some((a) => switches.some((b) => !sameFailureDomain(inventory, a, b)));
            if (unstacked) {
              findings.push({
                id: 'redundancy.lacp-across-unstacked',
                severity: 'error',
                message: `the 802.3ad bond ${host.name}:${iface.name} spans switches ${switches.join(' and ')}, which are not stacked: LACP cannot aggregate across independent switches (use a stack/MLAG or active-backup)`,
                objects: [...objects, ...switches.map((s) => `switch:${s}`)],
              });
            }
          }
        }
      }
    }
    return findings;
  },
};
