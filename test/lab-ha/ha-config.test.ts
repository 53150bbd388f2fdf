import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { constraintsXml, resourcesXml } from '../../lab/ha/cib-config.js';
import { initialCib } from '../../lab/ha/cluster-host.js';
import { corosyncConf } from '../../lab/ha/corosync-conf.js';
import { haPlan } from '../../lab/ha/ha-plan.js';
import { labTopology } from '../../lab/topology.js';

const run = promisify(execFile);
const paths = {
  kernel: '/boot/vmlinuz-test',
  initrd: '/var/lib/havoc/labs/x/guest/guest.cpio.gz',
  nbdHost: '198.18.1.5',
  nbdPort: 10809,
  bmcPort: 623,
  bmcUser: 'admin',
  passwordScript: (node: string) => `/var/lib/havoc/labs/x/ha/bmc-password-${node}.sh`,
  inventory: '/var/lib/havoc/labs/x/inventory.yaml',
  domainConfig: (vm: string) => `/var/lib/havoc/labs/x/ha/domains/${vm}.xml`,
};
const volumes = ['vm1', 'vm2', 'vm3', 'vm4'];

/** A full CIB around the lab's sections, as crm_verify checks it against Pacemaker's own schema. */
function fullCib(plan: ReturnType<typeof haPlan>): string {
  const nodes = plan.nodes.map((n) => `<node id="${n.nodeId}" uname="${n.name}"/>`).join('');
  // Every node up and quorate, so crm_verify judges the configuration, not an empty status section.
  const states = plan.nodes
    .map(
      (n) =>
        `<node_state id="${n.nodeId}" uname="${n.name}" in_ccm="true" crmd="online" join="member" expected="member"/>`,
    )
    .join('');
  return initialCib()
    .replace('<cib ', '<cib have-quorum="1" ')
    .replace('<status/>', `<status>${states}</status>`)
    .replace('<nodes/>', `<nodes>${nodes}</nodes>`)
    .replace('<resources/>', resourcesXml(plan, paths))
    .replace('<constraints/>', constraintsXml(plan))
    .replace('value="5s"/>', 'value="5s"/><nvpair id="o-se" name="stonith-enabled" value="true"/>');
}

describe('HA lab plan', () => {
  it('gives each VM a data address, a unique MAC and migration port, and a home host round-robin', () => {
    const plan = haPlan(labTopology('ha1', 3, 7), 4, volumes, 'fence_ipmilan');
    expect(plan.vms.map((v) => [v.name, v.homeHost, v.ip, v.mac, v.migrationPort])).toEqual([
      ['vm1', 'host1', '198.18.59.101', '52:54:00:07:00:01', 49152],
      ['vm2', 'host2', '198.18.59.102', '52:54:00:07:00:02', 49153],
      ['vm3', 'host3', '198.18.59.103', '52:54:00:07:00:03', 49154],
      ['vm4', 'host1', '198.18.59.104', '52:54:00:07:00:04', 49155],
    ]);
    expect(plan.nodes.map((n) => [n.name, n.heartbeat, n.management, n.migration])).toEqual([
      ['host1', '198.18.60.11', '198.18.56.11', '198.18.58.11'],
      ['host2', '198.18.60.12', '198.18.56.12', '198.18.58.12'],
      ['host3', '198.18.60.13', '198.18.56.13', '198.18.58.13'],
    ]);
    expect(plan.stationData.address).toBe('198.18.59.1');
  });

  it('refuses more VMs than volumes and unknown fence agents, saying what to pass', () => {
    expect(() => haPlan(labTopology('ha1', 3, 7), 3, ['vm1', 'vm2'], 'fence_ipmilan')).toThrow(
      /--vms 3 needs 3 NBD volumes, but the lab has 2/,
    );
    expect(() => haPlan(labTopology('ha1', 3, 7), 1, volumes, 'fence_xvm' as never)).toThrow(
      /--fence-agent fence_xvm: one of fence_ipmilan, fence_havoc/,
    );
    expect(() => haPlan(labTopology('ha1', 3, 7), 17, volumes, 'fence_ipmilan')).toThrow(/between 0 and 16/);
    expect(() => haPlan(labTopology('ha1', 3, 7), 1, volumes, 'fence_ipmilan', 'xen' as never)).toThrow(
      /--vm-agent xen: one of virtualdomain, qemu-vm/,
    );
  });
});

describe('corosync.conf', () => {
  it('puts link 0 on heartbeat and link 1 on management, with two_node only in two-node labs', () => {
    const three = corosyncConf(haPlan(labTopology('ha1', 3, 7), 0, volumes, 'fence_ipmilan'));
    expect(three).toContain('transport: knet');
    expect(three).toMatch(
      /name: host2\n\s+nodeid: 2\n\s+ring0_addr: 198\.18\.60\.12\n\s+ring1_addr: 198\.18\.56\.12/,
    );
    expect(three).not.toContain('two_node');
    const two = corosyncConf(haPlan(labTopology('ha1', 2, 7), 0, volumes, 'fence_ipmilan'));
    expect(two).toContain('two_node: 1');
  });
});

describe('CIB configuration', () => {
  it('keeps the BMC password out of the CIB and every device off the node it fences', () => {
    const plan = haPlan(labTopology('ha1', 3, 7), 2, volumes, 'fence_ipmilan');
    const xml = resourcesXml(plan, paths);
    expect(xml).not.toMatch(/name="password"/);
    expect(xml).toContain('name="password_script" value="/var/lib/havoc/labs/x/ha/bmc-password-host2.sh"');
    expect(xml).not.toContain('pcmk_delay_base');
    expect(constraintsXml(plan)).toContain(
      '<rsc_location id="fence-host3-not-on-self" rsc="fence-host3" node="host3" score="-INFINITY"/>',
    );
    const two = haPlan(labTopology('ha1', 2, 7), 1, volumes, 'fence_ipmilan');
    expect(resourcesXml(two, paths).match(/name="pcmk_delay_base"/g)).toHaveLength(1);
  });

  it('runs VMs as ocf:heartbeat:VirtualDomain by default, migrating over the migration network, or as ocf:havoc:qemu-vm', () => {
    const vd = resourcesXml(haPlan(labTopology('ha1', 3, 7), 1, volumes, 'fence_ipmilan'), paths);
    expect(vd).toContain('<primitive id="vm1" class="ocf" provider="heartbeat" type="VirtualDomain">');
    expect(vd).toContain('name="config" value="/var/lib/havoc/labs/x/ha/domains/vm1.xml"');
    expect(vd).toContain('name="migration_network_suffix" value="-migr"');
    expect(vd).toContain('name="migrateport" value="49152"');
    expect(vd).toContain('name="allow-migrate" value="true"');
    const q = resourcesXml(haPlan(labTopology('ha1', 3, 7), 1, volumes, 'fence_ipmilan', 'qemu-vm'), paths);
    expect(q).toContain('<primitive id="vm1" class="ocf" provider="havoc" type="qemu-vm">');
    expect(q).toContain(
      'name="migration_addresses" value="host1=198.18.58.11 host2=198.18.58.12 host3=198.18.58.13"',
    );
  });

  it("passes Pacemaker's own schema and checks (crm_verify, Debian pacemaker-cli-utils)", async () => {
    for (const [hosts, agent, vmAgent] of [
      [3, 'fence_ipmilan', 'virtualdomain'],
      [2, 'fence_havoc', 'qemu-vm'],
    ] as const) {
      const cib = fullCib(haPlan(labTopology('ha1', hosts, 7), 2, volumes, agent, vmAgent));
      const r = await run('crm_verify', ['--verbose', '--xml-text', cib]).catch(
        (err: NodeJS.ErrnoException & { stderr?: string }) => {
          if (err.code === 'ENOENT')
            throw new Error('crm_verify is missing: install the Debian package pacemaker-cli-utils');
          throw new Error(`crm_verify rejected the lab CIB: ${err.stderr}`);
        },
      );
      expect(r.stderr).not.toMatch(/error/i);
    }
  });
});
