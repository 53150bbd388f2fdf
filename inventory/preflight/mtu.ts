import { interfacesOn, switchPortMtu } from '../topology.js';
import type { Finding, PreflightCheck } from './finding.js';

export const mtuCheck: PreflightCheck = {
  name: 'mtu',
  description:
    'the MTU is the same on every host NIC or bond of a network and the switch ports they plug into (jumbo frames on storage networks are the usual trap)',
  run({ inventory }) {
    const findings: Finding[] = [];
    for (const net of inventory.networks) {
      const seen: { where: string; mtu: number }[] = [];
      for (const host of inventory.hosts) {
        for (const iface of interfacesOn(host, net.name)) {
          const mtu = iface.mtu ?? 1500;
          const where = `${host.name}:${iface.name}`;
          seen.push({ where, mtu });
          if (mtu < net.mtu) {
            findings.push({
              id: 'mtu.interface-too-small',
              severity: 'error',
              message: `${where} has MTU ${mtu}${iface.mtu === undefined ? ' (not declared: 1500 assumed)' : ''} but network ${net.name} uses ${net.mtu}: large frames are dropped silently (storage and migration stall, pings still pass)`,
              objects: [`host:${host.name}`, `network:${net.name}`],
            });
          }
          for (const port of iface.switchPorts) {
            const portMtu = switchPortMtu(inventory, port);
            if (portMtu !== undefined && portMtu < mtu) {
              findings.push({
                id: 'mtu.switch-port-too-small',
                severity: 'error',
                message: `${where} (MTU ${mtu}) plugs into ${port.switch} ${port.port} with MTU ${portMtu}: the switch drops every frame larger than that`,
                objects: [`host:${host.name}`, `switch:${port.switch}`, `network:${net.name}`],
              });
            }
          }
        }
      }
      const distinct = new Set(seen.map((s) => s.mtu));
      if (distinct.size > 1) {
        findings.push({
          id: 'mtu.inconsistent',
          severity: 'error',
          message: `network ${net.name} has different MTUs on its hosts: ${seen.map((s) => `${s.where}=${s.mtu}`).join(', ')}`,
          objects: [`network:${net.name}`],
        });
      }
    }
    return findings;
  },
};
