import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { z } from 'zod';
import { Redactor } from '../../core/redact.js';
import { type LoadedInventory, parseInventory } from '../../inventory/load.js';
import type { inventorySchema } from '../../inventory/schema.js';
import { tempDir } from '../support/temp-dir.js';

export type InventoryInput = z.input<typeof inventorySchema>;
type HostInput = InventoryInput['hosts'][number];

/** A host with a BMC, one NIC per network and a BMC-then-switch fencing topology. */
export function host(name: string, over: Partial<HostInput> = {}): HostInput {
  return {
    name,
    address: `${name}.example`,
    cpu: { family: 'Xeon', model: '6248R' },
    memoryMiB: 65536,
    vcpus: 32,
    bmc: { type: 'ipmi', address: `${name}-bmc.example`, user: 'fence', password: { env: 'HAVOC_TEST_BMC' } },
    bonds: [
      {
        name: 'bond0',
        mode: 'active-backup',
        networks: ['hb', 'storage'],
        mtu: 1500,
        slaves: [
          { name: 'eth0', switchPort: { switch: 'sw1', port: `${name}-a` } },
          { name: 'eth1', switchPort: { switch: 'sw2', port: `${name}-b` } },
        ],
      },
    ],
    fencing: {
      delaySeconds: name.endsWith('1') ? 5 : undefined,
      levels: [
        { devices: [{ type: 'bmc' }] },
        { devices: [{ type: 'switch-ports', networks: ['storage'] }] },
      ],
    },
    ...over,
  };
}

export function inventory(over: Partial<InventoryInput> = {}): InventoryInput {
  return {
    version: 1,
    cluster: { name: 'test' },
    networks: [
      { name: 'hb', role: 'heartbeat', mtu: 1500 },
      { name: 'storage', role: 'storage', mtu: 1500 },
    ],
    switches: [
      {
        name: 'sw1',
        address: 'sw1.example',
        stackedWith: 'sw2',
        snmp: { version: '2c', community: { env: 'HAVOC_TEST_COMMUNITY' } },
      },
      {
        name: 'sw2',
        address: 'sw2.example',
        stackedWith: 'sw1',
        snmp: { version: '2c', community: { env: 'HAVOC_TEST_COMMUNITY' } },
      },
    ],
    hosts: [host('h1'), host('h2'), host('h3')],
    storage: [{ name: 'nbd', type: 'nbd', server: 'st.example', exports: ['vm1'] }],
    haManager: { type: 'pacemaker' },
    vms: [],
    ...over,
  };
}

export function vm(name: string, homeHost: string, memoryMiB: number, over: Record<string, unknown> = {}) {
  return {
    name,
    homeHost,
    memoryMiB,
    vcpus: 2,
    storage: 'nbd',
    probe: { type: 'tcp' as const, address: `${name}.example`, port: 22 },
    ...over,
  };
}

/** Writes the inventory to a temporary file and loads it like the CLI does. */
export function load(input: InventoryInput, redactor = new Redactor()): LoadedInventory {
  const dir = tempDir('havoc-inv-');
  const file = join(dir, 'inventory.yaml');
  const text = stringify(input);
  writeFileSync(file, text);
  return parseInventory(file, text, redactor);
}
