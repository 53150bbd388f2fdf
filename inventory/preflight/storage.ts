import { interfacesOn } from '../topology.js';
import { allowedHostsOf } from './capacity-plan.js';
import type { Finding, PreflightCheck } from './finding.js';

export const storageCheck: PreflightCheck = {
  name: 'storage',
  description:
    'shared or replicated storage is reachable from every host a VM may run on; DRBD resources list both peers',
  run({ inventory }) {
    const findings: Finding[] = [];
    const allHosts = inventory.hosts.map((h) => h.name);
    for (const st of inventory.storage) {
      const users = st.hosts ?? allHosts;
      if (st.network !== undefined) {
        for (const hostName of users) {
          const host = inventory.hosts.find((h) => h.name === hostName);
          if (host && interfacesOn(host, st.network).length === 0) {
            findings.push({
              id: 'storage.network-missing',
              severity: 'error',
              message: `host ${hostName} uses storage ${st.name} over network ${st.network} but has no NIC or bond on that network`,
              objects: [`host:${hostName}`, `storage:${st.name}`, `network:${st.network}`],
            });
          }
        }
      }
      if (st.type === 'drbd') {
        for (const res of st.resources) {
          if (new Set(res.peers).size < 2) {
            findings.push({
              id: 'storage.drbd-single-peer',
              severity: 'error',
              message: `DRBD resource ${res.name} of ${st.name} lists ${res.peers.length === 1 ? 'only one peer' : 'duplicate peers'} (${res.peers.join(', ')}): it replicates nowhere, so a host failure loses the disk`,
              objects: [`storage:${st.name}`, ...res.peers.map((p) => `host:${p}`)],
            });
          }
        }
      }
    }
    for (const vm of inventory.vms) {
      if (vm.storage === undefined) continue;
      const st = inventory.storage.find((s) => s.name === vm.storage);
      if (!st) continue;
      const reach = new Set(
        st.type === 'drbd' ? st.resources.flatMap((r) => r.peers) : (st.hosts ?? allHosts),
      );
      const missing = allowedHostsOf(vm, inventory).filter((h) => !reach.has(h));
      if (missing.length > 0) {
        findings.push({
          id: 'storage.unreachable',
          severity: 'error',
          message: `VM ${vm.name} may run on ${missing.join(', ')}, which cannot reach its storage ${st.name}: a restart there fails (restrict vms[].allowedHosts or extend storage hosts)`,
          objects: [`vm:${vm.name}`, `storage:${st.name}`, ...missing.map((h) => `host:${h}`)],
        });
      }
    }
    return findings;
  },
};
