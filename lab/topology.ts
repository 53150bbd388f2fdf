import { subnetPrefix } from './address-plan.js';
import { bridgeName, hostName, hostNetns, stationLink, storageNetns, switchNetns } from './names.js';

/*
 * The lab's wiring, computed from its name, host count and address slot alone
 * (no side effects), so `lab up`, the inventory writer and the tests agree on
 * every name and address.
 */

export type NetworkRole = 'management' | 'storage' | 'migration' | 'data' | 'heartbeat' | 'out-of-band';

export interface LabNetwork {
  /** Short key used in interface names (br-<key>, <lab>-<key>). */
  key: string;
  name: string;
  role: NetworkRole;
  mtu: number;
  subnet: string;
  /** "a.b.c": the /24's first three octets. */
  prefix: string;
  bridge: string;
}

const NETWORKS: readonly Omit<LabNetwork, 'subnet' | 'prefix' | 'bridge'>[] = [
  { key: 'mgmt', name: 'management', role: 'management', mtu: 1500 },
  // Jumbo frames where real clusters use them, so MTU checks have something to check.
  { key: 'stor', name: 'storage', role: 'storage', mtu: 9000 },
  { key: 'migr', name: 'migration', role: 'migration', mtu: 9000 },
  { key: 'data', name: 'data', role: 'data', mtu: 1500 },
  { key: 'hb', name: 'heartbeat', role: 'heartbeat', mtu: 1500 },
  { key: 'oob', name: 'oob', role: 'out-of-band', mtu: 1500 },
];
/** Networks every host has a NIC on (eth0, eth1, ... in this order); hosts reach out-of-band through the switch. */
const HOST_NETWORKS = ['mgmt', 'stor', 'migr', 'data', 'hb'] as const;

export const MIN_HOSTS = 2;
export const MAX_HOSTS = 8;
export const SWITCH_NAME = 'switch1';
export const STORAGE_HOST = 'storage1';
export const STATION = 'mgmt-station';

export type PortPeer =
  | { kind: 'host'; host: string; nic: string }
  | { kind: 'station'; link: string }
  | { kind: 'storage'; nic: string };

export interface LabPort {
  /** Interface name in the switch namespace, like a switch's port name. */
  name: string;
  network: string;
  mtu: number;
  /** The port description a network engineer would give it (IF-MIB ifAlias). */
  alias: string;
  peer: PortPeer;
}

export interface LabNic {
  name: string;
  network: string;
  address: string;
  prefixLength: 24;
  mtu: number;
  port: string;
}

export interface LabHost {
  n: number;
  name: string;
  netns: string;
  address: string;
  nics: LabNic[];
  bmcAddress: string;
}

export interface LabTopology {
  lab: string;
  slot: number;
  networks: LabNetwork[];
  switch: { name: string; netns: string; address: string; oobAddress: string };
  station: { links: { name: string; network: string; address: string; port: string; mtu: number }[] };
  storage: { name: string; netns: string; nic: LabNic };
  hosts: LabHost[];
  ports: LabPort[];
}

export function labTopology(lab: string, hostCount: number, slot: number): LabTopology {
  const networks: LabNetwork[] = NETWORKS.map((n, i) => {
    const prefix = subnetPrefix(slot, i);
    return { ...n, prefix, subnet: `${prefix}.0/24`, bridge: bridgeName(n.key) };
  });
  const net = (key: string) => {
    const found = networks.find((n) => n.key === key);
    if (!found) throw new Error(`unknown lab network ${key}`);
    return found;
  };
  const ports: LabPort[] = [];
  const nextPort = () => `swp${ports.length + 1}`;

  const hosts: LabHost[] = [];
  for (let n = 1; n <= hostCount; n++) {
    const name = hostName(n);
    const nics: LabNic[] = HOST_NETWORKS.map((key, i) => {
      const network = net(key);
      const port = nextPort();
      const nic = `eth${i}`;
      ports.push({
        name: port,
        network: key,
        mtu: network.mtu,
        alias: `${name} ${network.name}`,
        peer: { kind: 'host', host: name, nic },
      });
      return {
        name: nic,
        network: key,
        address: `${network.prefix}.${10 + n}`,
        prefixLength: 24,
        mtu: network.mtu,
        port,
      };
    });
    hosts.push({
      n,
      name,
      netns: hostNetns(lab, n),
      address: nics[0]!.address,
      nics,
      bmcAddress: `${net('oob').prefix}.${10 + n}`,
    });
  }

  const stationLinks = (['mgmt', 'oob'] as const).map((key) => {
    const network = net(key);
    const port = nextPort();
    const link = stationLink(lab, key);
    ports.push({
      name: port,
      network: key,
      mtu: network.mtu,
      alias: `${STATION} ${network.name}`,
      peer: { kind: 'station', link },
    });
    return { name: link, network: key, address: `${network.prefix}.1`, port, mtu: network.mtu };
  });

  const stor = net('stor');
  const storagePort = nextPort();
  ports.push({
    name: storagePort,
    network: 'stor',
    mtu: stor.mtu,
    alias: `${STORAGE_HOST} ${stor.name}`,
    peer: { kind: 'storage', nic: 'eth0' },
  });

  return {
    lab,
    slot,
    networks,
    switch: {
      name: SWITCH_NAME,
      netns: switchNetns(lab),
      address: `${net('mgmt').prefix}.2`,
      oobAddress: `${net('oob').prefix}.2`,
    },
    station: { links: stationLinks },
    storage: {
      name: STORAGE_HOST,
      netns: storageNetns(lab),
      nic: {
        name: 'eth0',
        network: 'stor',
        address: `${stor.prefix}.5`,
        prefixLength: 24,
        mtu: stor.mtu,
        port: storagePort,
      },
    },
    hosts,
    ports,
  };
}

export function networkByKey(topo: LabTopology, key: string): LabNetwork {
  const found = topo.networks.find((n) => n.key === key);
  if (!found) throw new Error(`unknown lab network ${key}`);
  return found;
}
