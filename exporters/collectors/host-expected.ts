import type { HostConfig, Inventory } from '../../inventory/schema.js';

/** What the inventory says a host should look like, for the comparisons a scrape makes. */
export interface HostExpected {
  /** Interface name -> MTU it should have (declared, else the largest of its networks'). */
  mtu: Map<string, number>;
  /** Interfaces the inventory names (NICs, bonds, bond slaves), with their YAML path. */
  interfaces: { name: string; where: string }[];
  /** Bond name -> slave names the inventory configures. */
  bondSlaves: Map<string, string[]>;
  /** DRBD resources this host is a peer of. */
  drbdResources: string[];
}

export function hostExpected(inv: Inventory, host: HostConfig): HostExpected {
  const networkMtu = (names: string[]) => {
    const mtus = names
      .map((n) => inv.networks.find((net) => net.name === n)?.mtu)
      .filter((m) => m !== undefined);
    return mtus.length ? Math.max(...mtus) : undefined;
  };
  const mtu = new Map<string, number>();
  const interfaces: HostExpected['interfaces'] = [];
  const bondSlaves = new Map<string, string[]>();
  host.nics.forEach((nic, i) => {
    interfaces.push({ name: nic.name, where: `hosts.${host.name}.nics[${i}].name` });
    const m = nic.mtu ?? networkMtu(nic.networks);
    if (m !== undefined) mtu.set(nic.name, m);
  });
  host.bonds.forEach((bond, i) => {
    interfaces.push({ name: bond.name, where: `hosts.${host.name}.bonds[${i}].name` });
    const m = bond.mtu ?? networkMtu(bond.networks);
    if (m !== undefined) mtu.set(bond.name, m);
    bondSlaves.set(
      bond.name,
      bond.slaves.map((s) => s.name),
    );
    bond.slaves.forEach((s, j) => {
      interfaces.push({ name: s.name, where: `hosts.${host.name}.bonds[${i}].slaves[${j}].name` });
      // A slave carries its bond's frames: it needs at least the bond's MTU.
      if (m !== undefined && !mtu.has(s.name)) mtu.set(s.name, m);
    });
  });
  const drbdResources = inv.storage.flatMap((st) =>
    st.type === 'drbd' ? st.resources.filter((r) => r.peers.includes(host.name)).map((r) => r.name) : [],
  );
  return { mtu, interfaces, bondSlaves, drbdResources };
}
