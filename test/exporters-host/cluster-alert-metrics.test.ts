import { readFileSync } from 'node:fs';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { Redactor } from '../../core/redact.js';
import { renderCliConstraints } from '../../exporters/collectors/cluster-constraints.js';
import {
  type CorosyncNodeView,
  parseCorosyncView,
  renderCorosync,
} from '../../exporters/collectors/cluster-corosync.js';
import { renderPacemaker } from '../../exporters/collectors/cluster-pacemaker.js';
import { MARKER } from '../../exporters/collectors/host-script.js';
import { renderHostPorts } from '../../exporters/collectors/switch-host-ports.js';
import type { SwitchSnapshot } from '../../exporters/collectors/switch-snapshot.js';
import { parseInventory } from '../../inventory/load.js';
import { cliConstraints, parseCrmMonXml, parseLocationConstraints } from '../../protocols/pacemaker/index.js';

/* The series the alert rules need, rendered from outputs captured on the HA lab (fixture SOURCES.md). */

const fixture = (dir: string, name: string) =>
  readFileSync(new URL(`../../protocols/${dir}/fixtures/${name}`, import.meta.url), 'utf8');

function scriptOutput(cfg: string, quorum: string, nodelist: string, quorumRc = 0): string {
  return [
    `${MARKER} cfgtool`,
    cfg,
    `${MARKER} rc 0`,
    `${MARKER} quorumtool`,
    quorum,
    `${MARKER} rc ${quorumRc}`,
    `${MARKER} nodelist`,
    nodelist,
    `${MARKER} rc 0`,
    `${MARKER} end`,
    '',
  ].join('\n');
}

describe('corosync series (corosync 3.1.7 outputs captured from the HA lab)', () => {
  it('publishes quorum and every link to every peer; a node that did not answer is 0, not absent', async () => {
    const healthy = parseCorosyncView(
      'host1',
      scriptOutput(
        fixture('corosync', 'cfgtool-s-link0-down.txt'),
        fixture('corosync', 'quorumtool-s-healthy.txt'),
        fixture('corosync', 'cmapctl-nodelist.txt'),
      ),
    );
    const registry = new Registry();
    renderCorosync(['host1', 'host2'], new Map<string, CorosyncNodeView>([['host1', healthy]]), registry);
    const text = await registry.metrics();
    expect(text).toContain('havoc_corosync_node_answered{node="host1"} 1');
    expect(text).toContain('havoc_corosync_node_answered{node="host2"} 0');
    expect(text).toContain('havoc_corosync_quorate{node="host1"} 1');
    expect(text).toContain('havoc_corosync_members{node="host1"} 2');
    expect(text).toContain('havoc_corosync_link_connected{node="host1",link="0",peer="host2"} 0');
    expect(text).toContain('havoc_corosync_link_connected{node="host1",link="1",peer="host2"} 1');
    // The node's own "localhost" entry is no link.
    expect(text).not.toMatch(/link_connected\{node="host1",link="\d",peer="host1"\}/);
    expect(text).not.toMatch(/havoc_corosync_quorate\{node="host2"\}/);
  });

  it('names a powered-off peer from the nodelist, though it left the membership', async () => {
    const view = parseCorosyncView(
      'host2',
      scriptOutput(
        fixture('corosync', 'cfgtool-s-peer-powered-off.txt'),
        fixture('corosync', 'quorumtool-s-peer-gone.txt'),
        fixture('corosync', 'cmapctl-nodelist.txt'),
      ),
    );
    const registry = new Registry();
    renderCorosync(['host2'], new Map([['host2', view]]), registry);
    const text = await registry.metrics();
    expect(text).toContain('havoc_corosync_link_connected{node="host2",link="0",peer="host1"} 0');
    expect(text).toContain('havoc_corosync_link_connected{node="host2",link="1",peer="host1"} 0');
    expect(text).toContain('havoc_corosync_members{node="host2"} 1');
  });

  it('refuses a node whose corosync-cfgtool failed, with its last line', () => {
    const out = `${MARKER} cfgtool\nCannot initialise CFG service\n${MARKER} rc 1\n${MARKER} end\n`;
    expect(() => parseCorosyncView('host1', out)).toThrow(
      /corosync-cfgtool -s on host1 exited with 1: Cannot initialise CFG service/,
    );
  });
});

describe('Pacemaker series the alerts need', () => {
  it('healthy lab (captured): stonith on, vm1 on one node, nothing blocked or unmanaged', async () => {
    const registry = new Registry();
    renderPacemaker(parseCrmMonXml(fixture('pacemaker', 'crm_mon-ha-lab.xml')), 'host1', registry, [
      { name: 'vm1', haPriority: 'restart' },
      { name: 'vm9', haPriority: 'restart' },
      { name: 'scratch', haPriority: 'never' },
    ]);
    const text = await registry.metrics();
    expect(text).toContain('havoc_pacemaker_stonith_enabled 1');
    expect(text).toContain('havoc_pacemaker_maintenance_mode 0');
    expect(text).toContain('havoc_pacemaker_resource_active_nodes{resource="vm1"} 1');
    expect(text).toContain('havoc_pacemaker_vm_active_nodes{vm="vm1"} 1');
    // An HA VM without a resource is not protected: 0, so "HA VM down" fires for it.
    expect(text).toContain('havoc_pacemaker_vm_active_nodes{vm="vm9"} 0');
    expect(text).not.toContain('vm="scratch"');
    expect(text).toContain('havoc_pacemaker_resource_blocked{resource="vm1",node="host1"} 0');
    expect(text).toContain('havoc_pacemaker_resource_managed{resource="vm1",node="host1"} 1');
  });

  it('vm1 active on two nodes, vm2 unmanaged, stonith disabled (real crm_mon on a CIB written for havoc)', async () => {
    const registry = new Registry();
    renderPacemaker(
      parseCrmMonXml(fixture('pacemaker', 'crm_mon-vm1-active-on-two.xml')),
      'host2',
      registry,
      [{ name: 'vm1', haPriority: 'restart' }],
    );
    const text = await registry.metrics();
    expect(text).toContain('havoc_pacemaker_stonith_enabled 0');
    expect(text).toContain('havoc_pacemaker_resource_active_nodes{resource="vm1"} 2');
    expect(text).toContain('havoc_pacemaker_vm_active_nodes{vm="vm1"} 2');
    expect(text).toContain('havoc_pacemaker_resource_managed{resource="vm2",node="host1"} 0');
    expect(text).toContain('havoc_pacemaker_fail_count{resource="vm1",node="host2"} 2');
    expect(text).toContain('havoc_pacemaker_migration_threshold{resource="vm1",node="host2"} 3');
  });

  it('leftover cli- constraints: a count that is 0 when clean, and one series per constraint (captured)', async () => {
    const clean = new Registry();
    renderCliConstraints(
      cliConstraints(parseLocationConstraints(fixture('pacemaker', 'cibadmin-constraints-lab.xml'))),
      clean,
    );
    expect(await clean.metrics()).toContain('havoc_pacemaker_cli_constraints 0');
    const banned = new Registry();
    renderCliConstraints(
      cliConstraints(
        parseLocationConstraints(fixture('pacemaker', 'cibadmin-constraints-cli-ban-2host.xml')),
      ),
      banned,
    );
    const text = await banned.metrics();
    expect(text).toContain('havoc_pacemaker_cli_constraints 1');
    expect(text).toContain(
      'havoc_pacemaker_cli_constraint{constraint="cli-ban-vm1-on-host2",resource="vm1",node="host2",kind="ban"} 1',
    );
  });
});

describe('switch ports of hosts', () => {
  it('publishes each inventory host port as 1 up, 0 down, 0 when the switch does not list it', async () => {
    const inv = parseInventory(
      'inv.yaml',
      `
version: 1
cluster: { name: c1 }
networks:
  - { name: storage, role: storage, subnet: 198.18.1.0/24 }
switches:
  - { name: sw1, address: 198.18.0.2, snmp: { version: 2c, community: { env: C } } }
hosts:
  - name: h1
    address: 198.18.0.11
    ssh: { keyFile: /k }
    memoryMiB: 1024
    vcpus: 2
    nics:
      - { name: eth1, networks: [storage], switchPort: { switch: sw1, port: swp2 } }
      - { name: eth2, networks: [storage], switchPort: { switch: sw1, port: swp3 } }
      - { name: eth3, networks: [storage], switchPort: { switch: sw1, port: swp99 } }
`,
      new Redactor(),
    );
    const port = (ifIndex: number, name: string, oper: 'up' | 'down') =>
      ({ ifIndex, name, alias: '', descr: '', admin: 'up', oper }) as SwitchSnapshot['ports'][number];
    const snapshot = { ports: [port(2, 'swp2', 'up'), port(3, 'swp3', 'down')] } as SwitchSnapshot;
    const registry = new Registry();
    renderHostPorts(snapshot, inv.inventory, 'sw1', registry);
    const text = await registry.metrics();
    expect(text).toContain(
      'havoc_switch_host_port_up{port="swp2",host="h1",nic="eth1",networks="storage"} 1',
    );
    expect(text).toContain(
      'havoc_switch_host_port_up{port="swp3",host="h1",nic="eth2",networks="storage"} 0',
    );
    expect(text).toContain(
      'havoc_switch_host_port_up{port="swp99",host="h1",nic="eth3",networks="storage"} 0',
    );
  });
});
