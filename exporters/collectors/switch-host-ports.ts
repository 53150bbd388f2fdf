import type { Registry } from 'prom-client';
import type { Inventory } from '../../inventory/schema.js';
import { gaugeFamily, registerGauge } from '../metric-family.js';
import type { SwitchSnapshot } from './switch-snapshot.js';

/*
 * The switch ports the inventory plugs a host into (hosts[].nics[].switchPort
 * and bond slaves), named by host and NIC, so "storage port of host1 is down"
 * is one series and one alert. Published for every such port whatever its
 * state: 0 when it is down or the switch no longer lists it (ifName not
 * found), never absent while the switch answers.
 */

export const SWITCH_HOST_PORT_METRICS = {
  hostPortUp: gaugeFamily(
    'havoc_switch_host_port_up',
    'For each switch port the inventory connects to a host NIC or bond slave: 1 when IF-MIB says it is up (admin and oper), 0 when it is down or the switch does not list a port of that name.',
    ['port', 'host', 'nic', 'networks'],
  ),
} as const;

export interface HostPort {
  port: string;
  host: string;
  nic: string;
  networks: string[];
}

/** The host ports of one switch, in inventory order. */
export function hostPortsOf(inv: Inventory, switchName: string): HostPort[] {
  const out: HostPort[] = [];
  for (const h of inv.hosts) {
    for (const n of h.nics) {
      if (n.switchPort?.switch === switchName)
        out.push({ port: n.switchPort.port, host: h.name, nic: n.name, networks: n.networks });
    }
    for (const b of h.bonds) {
      for (const s of b.slaves) {
        if (s.switchPort?.switch === switchName)
          out.push({ port: s.switchPort.port, host: h.name, nic: s.name, networks: b.networks });
      }
    }
  }
  return out;
}

export function renderHostPorts(
  snapshot: SwitchSnapshot,
  inv: Inventory,
  switchName: string,
  registry: Registry,
): void {
  const up = registerGauge(registry, SWITCH_HOST_PORT_METRICS.hostPortUp);
  for (const hp of hostPortsOf(inv, switchName)) {
    const p = snapshot.ports.find((x) => x.name === hp.port);
    const isUp = p !== undefined && p.admin === 'up' && p.oper === 'up';
    up.set({ port: hp.port, host: hp.host, nic: hp.nic, networks: hp.networks.join(',') }, isUp ? 1 : 0);
  }
}
