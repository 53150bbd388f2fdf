import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import type { inventorySchema } from '../inventory/schema.js';
import { BMC_ADMIN_USER, BMC_PORT } from './bmc.js';
import type { LabTopology } from './topology.js';

export type InventoryInput = z.input<typeof inventorySchema>;

type SwitchInput = NonNullable<InventoryInput['switches']>[number];

export const NBD_PORT = 10809;
/** Re-exported for its importers; defined with the lab's other BMC facts in bmc.ts. */
export { BMC_PORT };

export interface LabSecretsPaths {
  clientKey: string;
  knownHosts: string;
  readCommunity: string;
  writeCommunity: string;
  bmcAdminPassword: Record<string, string>;
  v3AuthKey: string;
  v3PrivKey: string;
}

/** The CPU the lab hosts really run on (they are namespaces of this machine). */
function localCpu(): { model: string; family: string } {
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    const model = /^model name\s*:\s*(.+)$/m.exec(info)?.[1]?.trim();
    const family = /^cpu family\s*:\s*(.+)$/m.exec(info)?.[1]?.trim();
    if (model && family) return { model, family };
  } catch {
    // fall through
  }
  return { model: 'unknown', family: 'unknown' };
}

/**
 * The lab described in havoc's inventory format: every address, credential
 * reference (files in the state directory) and the topology (switch port of
 * every NIC, BMC of every host, fencing levels: BMC first, switch ports second).
 */
export function labInventory(
  topo: LabTopology,
  secrets: LabSecretsPaths,
  volumes: readonly string[],
  snmpVersion: '2c' | '3' = '2c',
): InventoryInput {
  const cpu = localCpu();
  const netName = (key: string) => topo.networks.find((n) => n.key === key)!.name;
  const snmp: SwitchInput['snmp'] =
    snmpVersion === '2c'
      ? {
          version: '2c',
          community: { file: secrets.readCommunity },
          writeCommunity: { file: secrets.writeCommunity },
        }
      : {
          version: '3',
          user: 'havoc',
          authProtocol: 'sha',
          authKey: { file: secrets.v3AuthKey },
          privProtocol: 'aes',
          privKey: { file: secrets.v3PrivKey },
        };
  return {
    version: 1,
    cluster: { name: `${topo.lab}-lab`, failuresToTolerate: 1 },
    networks: topo.networks.map((n) => ({ name: n.name, role: n.role, mtu: n.mtu, subnet: n.subnet })),
    switches: [
      {
        name: topo.switch.name,
        address: topo.switch.address,
        port: 161,
        snmp,
        defaultMtu: 1500,
        ports: topo.ports.map((p) => ({ name: p.name, mtu: p.mtu })),
      },
    ],
    hosts: topo.hosts.map((h) => ({
      name: h.name,
      address: h.address,
      ssh: { user: 'root', port: 22, keyFile: secrets.clientKey, knownHostsFile: secrets.knownHosts },
      cpu,
      // Plausible figures for a small virtualization host; nothing in the lab enforces them.
      memoryMiB: 16384,
      vcpus: 8,
      bmc: {
        type: 'ipmi',
        address: h.bmcAddress,
        port: BMC_PORT,
        user: BMC_ADMIN_USER,
        password: { file: secrets.bmcAdminPassword[h.name]! },
        // ipmi_sim offers suite 3 only; havoc tries 17 first and falls back, as against a real BMC.
        cipherSuites: [17, 3],
        privilege: 'administrator',
        // The BMCs listen in the switch namespace, which routes the station's and the hosts' traffic to them.
        firewall: { netns: topo.switch.netns },
      },
      nics: h.nics.map((n) => ({
        name: n.name,
        networks: [netName(n.network)],
        mtu: n.mtu,
        switchPort: { switch: topo.switch.name, port: n.port },
      })),
      fencing: {
        levels: [
          { devices: [{ type: 'bmc' }] },
          { devices: [{ type: 'switch-ports', networks: ['storage', 'data'] }] },
        ],
        timeoutSeconds: 20,
      },
      // The hosts share this machine's kernel: they crash through their BMC (never sysrq), hang by
      // freezing their namespace's processes, and restart daemons with the lab's service script.
      chaos: { crash: 'nmi', hang: { netns: h.netns }, services: 'lab' },
    })),
    storage: [
      {
        name: topo.storage.name,
        type: 'nbd',
        server: topo.storage.nic.address,
        port: NBD_PORT,
        exports: [...volumes],
        network: 'storage',
        purpose: 'vm-disks',
        // The storage host's own namespace: storage-loss -p side=target drops its NBD port there.
        firewall: { netns: topo.storage.netns },
        // The NBD server itself, for storage-loss -p side=target -p via=stop (SIGSTOP of it).
        daemon: { netns: topo.storage.netns, program: 'qemu-storage-daemon' },
      },
    ],
  };
}
