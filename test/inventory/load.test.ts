import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Redactor } from '../../core/redact.js';
import { InventoryError } from '../../inventory/issues.js';
import { parseInventory } from '../../inventory/load.js';

const BASE_FILE = 'examples/pacemaker-kvm.yaml';
const base = readFileSync(BASE_FILE, 'utf8');

/** Replaces the n-th occurrence (1-based) of `from` in the base example. */
function edit(from: string, to: string, nth = 1): string {
  let index = -1;
  for (let i = 0; i < nth; i++) {
    index = base.indexOf(from, index + 1);
    if (index < 0) throw new Error(`fixture edit: "${from}" occurs fewer than ${nth} times`);
  }
  return base.slice(0, index) + to + base.slice(index + from.length);
}

function issuesOf(text: string) {
  try {
    parseInventory('broken.yaml', text, new Redactor());
  } catch (err) {
    if (err instanceof InventoryError) return err;
    throw err;
  }
  throw new Error('expected the inventory to be rejected');
}

interface Case {
  name: string;
  text: string;
  path: string;
  line: number;
  message: RegExp;
}

const cases: Case[] = [
  {
    name: 'wrong type (memory as a string)',
    text: edit('memoryMiB: 262144', 'memoryMiB: lots'),
    path: 'hosts[0].memoryMiB',
    line: 45,
    message: /wrong type.*found the string "lots".*expected number/,
  },
  {
    name: 'unknown key (a typo)',
    text: edit('    vcpus: 96\n', '    vcpu: 96\n    vcpus: 96\n'),
    path: 'hosts[0].vcpu',
    line: 46,
    message: /unknown key "vcpu"/,
  },
  {
    name: 'missing BMC password reference',
    text: edit('      password: { file: secrets/bmc-node1.secret }\n', ''),
    path: 'hosts[0].bmc.password',
    line: 48,
    message: /required but missing/,
  },
  {
    name: 'inline BMC password',
    text: edit('password: { file: secrets/bmc-node1.secret }', 'password: hunter2-inline'),
    path: 'hosts[0].bmc.password',
    line: 51,
    message: /inline secrets are not allowed.*not shown.*\{file: .*\{env:/,
  },
  {
    name: 'inline SNMP v3 key',
    text: edit('authKey: { file: secrets/snmp-auth.secret }', 'authKey: s3cretAuthKey'),
    path: 'switches[0].snmp.authKey',
    line: 26,
    message: /inline secrets are not allowed/,
  },
  {
    name: 'duplicate host name',
    text: edit('  - name: node2\n', '  - name: node1\n'),
    path: 'hosts[1].name',
    line: 76,
    message: /duplicate name "node1"/,
  },
  {
    name: 'VM home host that does not exist',
    text: edit('homeHost: node1', 'homeHost: node9'),
    path: 'vms[0].homeHost',
    line: 126,
    message: /unknown host "node9".*one of node1, node2/,
  },
  {
    name: 'bond slave on an unknown switch',
    text: edit('switchPort: { switch: sw-b, port: Te2/0/1 }', 'switchPort: { switch: sw-c, port: Te2/0/1 }'),
    path: 'hosts[0].bonds[0].slaves[1].switchPort.switch',
    line: 63,
    message: /unknown switch "sw-c"/,
  },
  {
    name: 'unknown bond mode',
    text: edit('mode: 802.3ad', 'mode: lacp'),
    path: 'hosts[0].bonds[0].mode',
    line: 58,
    message: /expected one of "802.3ad", "active-backup"/,
  },
  {
    name: 'unknown BMC type',
    text: edit('      type: ipmi\n      address: 10.10.99.11', '      type: ilo\n      address: 10.10.99.11'),
    path: 'hosts[0].bmc.type',
    line: 48,
    message: /wrong type or value.*"ilo".*"ipmi", "redfish", "cimc"/,
  },
  {
    name: 'port number out of range',
    text: edit('port: 5432', 'port: 70000'),
    path: 'vms[0].probe.port',
    line: 128,
    message: /out of range.*at most 65535/,
  },
  {
    name: 'network on a NIC that is not defined',
    text: edit('networks: [ipmi]', 'networks: [bmc-lan]'),
    path: 'hosts[0].nics[1].networks[0]',
    line: 55,
    message: /unknown network "bmc-lan"/,
  },
  {
    name: 'fencing level that uses a BMC the host does not have',
    text: edit(
      '    bmc:\n      type: ipmi\n      address: 10.10.99.12\n      user: fence\n      password: { file: secrets/bmc-node2.secret }\n      privilege: operator\n',
      '',
    ),
    path: 'hosts[1].fencing.levels[0].devices[0].type',
    line: 102,
    message: /uses the BMC but host "node2" has no bmc/,
  },
  {
    name: 'cipher suite 0 without explicit consent',
    text: edit('      privilege: operator\n', '      privilege: operator\n      cipherSuites: [0]\n'),
    path: 'hosts[0].bmc.cipherSuites',
    line: 53,
    message: /cipher suite 0.*allowCipherSuite0/,
  },
  {
    name: 'VM storage that does not exist',
    text: edit('storage: san\n    probe: { type: tcp', 'storage: nas\n    probe: { type: tcp'),
    path: 'vms[0].storage',
    line: 127,
    message: /unknown storage "nas"/,
  },
  {
    name: 'secret reference with both forms misspelled',
    text: edit(
      'password: { file: secrets/bmc-node1.secret }',
      'password: { path: secrets/bmc-node1.secret }',
    ),
    path: 'hosts[0].bmc.password',
    line: 51,
    message: /\{file: \/path\/to\/secret\} or \{env: VARIABLE_NAME\}/,
  },
  {
    name: 'unsupported inventory version',
    text: edit('version: 1', 'version: 2'),
    path: 'version',
    line: 5,
    message: /expected one of 1/,
  },
  {
    name: 'YAML syntax error',
    text: edit('  name: pcmk-prod', '  name: [pcmk-prod'),
    path: '(yaml syntax)',
    line: 8,
    message: /./,
  },
  {
    name: 'duplicate YAML key',
    text: edit('    vcpus: 96\n', '    vcpus: 96\n    vcpus: 48\n'),
    path: '(yaml syntax)',
    line: 47,
    message: /unique/i,
  },
];

describe('inventory loader rejects malformed inventories with the YAML path and line', () => {
  it('accepts the unmodified base example', () => {
    const loaded = parseInventory(BASE_FILE, base, new Redactor());
    expect(loaded.inventory.hosts.map((h) => h.name)).toEqual(['node1', 'node2']);
    expect(loaded.inventory.hosts[0]?.bmc?.type).toBe('ipmi');
  });

  for (const c of cases) {
    it(c.name, () => {
      const err = issuesOf(c.text);
      const issue = err.issues.find((i) => i.path === c.path);
      expect(issue, `issues were: ${err.message}`).toBeDefined();
      expect(issue?.line).toBe(c.line);
      expect(err.message).toMatch(c.message);
      expect(err.message).toContain(`broken.yaml:${c.line}:`);
    });
  }

  it('reports several problems at once', () => {
    const text = edit('memoryMiB: 262144', 'memoryMiB: -1').replace('homeHost: node1', 'homeHost: nowhere');
    const err = issuesOf(text.replace('vcpus: 96', 'vcpus: many'));
    expect(err.issues.map((i) => i.path)).toEqual(
      expect.arrayContaining(['hosts[0].memoryMiB', 'hosts[0].vcpus']),
    );
    expect(err.issues.length).toBeGreaterThanOrEqual(2);
  });

  it('never prints an inline secret it rejects', () => {
    const err = issuesOf(edit('password: { file: secrets/bmc-node1.secret }', 'password: Sup3rS3cret!'));
    expect(err.message).not.toContain('Sup3rS3cret!');
  });
});
