import type { HostConfig, Inventory, SwitchConfig, SwitchPortRef } from './schema.js';

/** A host interface (plain NIC or bond) as seen from a network. */
export interface HostInterface {
  kind: 'nic' | 'bond';
  name: string;
  mtu: number | undefined;
  networks: string[];
  /** One per NIC, one per bond slave that declares where it plugs in. */
  switchPorts: SwitchPortRef[];
  /** Slave count for bonds, 1 for NICs. */
  links: number;
  bondMode?: string;
}

export function hostInterfaces(host: HostConfig): HostInterface[] {
  return [
    ...host.nics.map((nic) => ({
      kind: 'nic' as const,
      name: nic.name,
      mtu: nic.mtu,
      networks: nic.networks,
      switchPorts: nic.switchPort ? [nic.switchPort] : [],
      links: 1,
    })),
    ...host.bonds.map((bond) => ({
      kind: 'bond' as const,
      name: bond.name,
      mtu: bond.mtu,
      networks: bond.networks,
      switchPorts: bond.slaves.flatMap((s) => (s.switchPort ? [s.switchPort] : [])),
      links: bond.slaves.length,
      bondMode: bond.mode,
    })),
  ];
}

export function interfacesOn(host: HostConfig, network: string): HostInterface[] {
  return hostInterfaces(host).filter((i) => i.networks.includes(network));
}

/** Every switch port of a host on the given networks (switch-port fencing's target list). */
export function switchPortsOf(host: HostConfig, networks: readonly string[]): SwitchPortRef[] {
  const out: SwitchPortRef[] = [];
  for (const iface of hostInterfaces(host)) {
    if (!iface.networks.some((n) => networks.includes(n))) continue;
    for (const p of iface.switchPorts) {
      if (!out.some((o) => o.switch === p.switch && o.port === p.port)) out.push(p);
    }
  }
  return out;
}

/**
 * The switch ports a switch-ports fencing device cuts: the host's ports on
 * the device's networks, then its explicit ports, each once. The one rule the
 * fencer, the readiness check and validation share; a device with neither
 * networks nor ports is refused by validation, and so fences nothing here.
 */
export function fencedSwitchPorts(
  host: HostConfig,
  device: { networks?: readonly string[] | undefined; ports?: readonly SwitchPortRef[] | undefined },
): SwitchPortRef[] {
  const out = device.networks ? switchPortsOf(host, device.networks) : [];
  for (const p of device.ports ?? []) {
    if (!out.some((o) => o.switch === p.switch && o.port === p.port)) out.push(p);
  }
  return out;
}

export function switchPortMtu(inv: Inventory, ref: SwitchPortRef): number | undefined {
  const sw = inv.switches.find((s) => s.name === ref.switch);
  return sw?.ports.find((p) => p.name === ref.port)?.mtu ?? sw?.defaultMtu;
}

/** Two switches act as one failure domain pair only when they are a stack (or the same switch). */
export function sameFailureDomain(inv: Inventory, a: string, b: string): boolean {
  if (a === b) return true;
  const sw = (n: string): SwitchConfig | undefined => inv.switches.find((s) => s.name === n);
  return sw(a)?.stackedWith === b || sw(b)?.stackedWith === a;
}

export function hostByName(inv: Inventory, name: string): HostConfig | undefined {
  return inv.hosts.find((h) => h.name === name);
}
