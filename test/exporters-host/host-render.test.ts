import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { renderHost } from '../../exporters/collectors/host.js';
import { hostExpected } from '../../exporters/collectors/host-expected.js';
import { QMP_READER_PERL } from '../../exporters/collectors/host-qmp-reader.js';
import { hostScript, MARKER } from '../../exporters/collectors/host-script.js';
import { splitSections } from '../../exporters/collectors/host-sections.js';
import { hostSnapshot } from '../../exporters/collectors/host-snapshot.js';
import { inventorySchema } from '../../inventory/schema.js';

/*
 * The host module's section splitting and rendering, fed with outputs captured
 * from the real tools (each parser's fixtures; their SOURCES.md names where
 * each was captured) wrapped in the script's own section markers.
 */

const fixture = (proto: string, name: string) =>
  readFileSync(new URL(`../../protocols/${proto}/fixtures/${name}`, import.meta.url), 'utf8');

type Section = [name: string, args: string[], body: string, rc?: number];
function scriptOutput(sections: Section[]): string {
  let out = '';
  for (const [name, args, body, rc] of [
    ['version', ['1'], ''] as Section,
    ...sections,
    ['end', [], ''] as Section,
  ]) {
    out += `\n${MARKER} ${[name, ...args].join(' ')}\n${body}`;
    if (rc !== undefined) out += `\n${MARKER} rc ${rc}\n`;
  }
  return out;
}

const inventory = inventorySchema.parse({
  version: 1,
  cluster: { name: 'c1' },
  networks: [
    { name: 'storage', role: 'storage', mtu: 9000 },
    { name: 'mgmt', role: 'management' },
  ],
  hosts: [
    {
      name: 'kvm1',
      address: '10.0.0.1',
      memoryMiB: 65536,
      vcpus: 32,
      nics: [
        { name: 'eno1', networks: ['mgmt'] },
        { name: 'eno2', networks: ['storage'] },
      ],
      bonds: [
        {
          name: 'bond0',
          mode: '802.3ad',
          networks: ['storage'],
          slaves: [{ name: 'eth1' }, { name: 'eth2' }],
        },
      ],
    },
  ],
  storage: [
    {
      name: 'drbd',
      type: 'drbd',
      resources: [
        { name: 'test0', peers: ['kvm1'] },
        { name: 'r9', peers: ['kvm1'] },
      ],
    },
  ],
});
const host = inventory.hosts[0]!;

async function render(output: string): Promise<string> {
  const registry = new Registry();
  renderHost(hostSnapshot(splitSections(output, 'kvm1')), hostExpected(inventory, host), host, registry);
  return registry.metrics();
}

const meminfo = 'MemTotal:       65843232 kB\nMemFree:         1000000 kB\nMemAvailable:   32921616 kB\n';

describe('host module rendering on captured outputs', () => {
  it('the real script, run by sh on this machine, splits into the sections the parser expects', () => {
    const out = execFileSync('sh', ['-s'], {
      input: hostScript([
        { name: 'lo', where: 'test' },
        { name: 'nonexistent0', where: 'test' },
      ]),
    }).toString();
    const sections = splitSections(out, 'local');
    // Other sections (QEMU/QMP, virsh, ...) appear when this machine runs VMs: only the
    // ones every host prints are required here.
    const names = sections.map((s) => s.name);
    expect(names).toEqual(
      expect.arrayContaining(['version', 'meminfo', 'loadavg', 'nproc', 'nic', 'nic-missing']),
    );
    expect(names.at(-1)).toBe('end');
    const snap = hostSnapshot(sections);
    expect(snap.memory?.totalBytes).toBeGreaterThan(0);
    expect(snap.nics[0]).toMatchObject({ name: 'lo', mtu: 65536 });
    expect(snap.missingNics).toEqual(['nonexistent0']);
  });

  it('802.3ad bond with a slave in another aggregator (RedHatInsights/insights-core BONDINFO_MODE_4) is degraded', async () => {
    const text = await render(
      scriptOutput([
        ['meminfo', [], meminfo, 0],
        ['bond', ['bond0'], fixture('bonding', '8023ad-slave-in-other-aggregator-insights.txt'), 0],
      ]),
    );
    expect(text).toContain('havoc_bond_slave_in_active_aggregator{bond="bond0",slave="eth1"} 1');
    expect(text).toContain('havoc_bond_slave_in_active_aggregator{bond="bond0",slave="eth2"} 0');
    expect(text).toContain('havoc_bond_active_aggregator_id{bond="bond0"} 3');
    expect(text).toContain('havoc_bond_slaves_up{bond="bond0"} 2');
    expect(text).toContain('havoc_bond_slaves_expected{bond="bond0"} 2');
    expect(text).toContain('havoc_bond_partner_info{bond="bond0",partner_mac="00:00:00:00:00:00"} 1');
    expect(text).toContain('havoc_bond_degraded{bond="bond0"} 1');
    expect(text).toContain('havoc_host_memory_available_bytes 33711734784');
  });

  it('802.3ad bond without LACP partner (insights-core BOND_MODE_4): partner state bits and degraded', async () => {
    const proc = fixture('bonding', '8023ad-no-partner.txt');
    const text = await render(scriptOutput([['bond', ['bond0'], proc, 0]]));
    expect(text).toContain('havoc_bond_degraded{bond="bond0"} 1');
    expect(text).toMatch(
      /havoc_bond_slave_lacp_actor_state\{bond="bond0",slave="[^"]+",flag="aggregation"\} [01]/,
    );
  });

  it('a healthy 802.3ad bond (netdev list, kernel 4.19) is not degraded when both configured slaves are in', async () => {
    const proc = fixture('bonding', '8023ad-healthy.txt');
    const slaves = [...proc.matchAll(/^Slave Interface: (\S+)/gm)].map((m) => m[1]);
    const inv = inventorySchema.parse({
      ...inventory,
      hosts: [
        { ...host, bonds: [{ name: 'bond0', mode: '802.3ad', slaves: slaves.map((name) => ({ name })) }] },
      ],
    });
    const registry = new Registry();
    renderHost(
      hostSnapshot(splitSections(scriptOutput([['bond', ['bond0'], proc, 0]]), 'kvm1')),
      hostExpected(inv, inv.hosts[0]!),
      host,
      registry,
    );
    const text = await registry.metrics();
    expect(text).toContain('havoc_bond_degraded{bond="bond0"} 0');
    for (const s of slaves)
      expect(text).toContain(`havoc_bond_slave_lacp_forwarding{bond="bond0",slave="${s}"} 1`);
  });

  it('active-backup bond (influxdata/telegraf sampleTestAB): active slave info, MII state set', async () => {
    const text = await render(
      scriptOutput([['bond', ['bond0'], fixture('bonding', 'active-backup-telegraf.txt'), 0]]),
    );
    expect(text).toMatch(/havoc_bond_active_slave_info\{bond="bond0",slave="\S+"\} 1/);
    expect(text).toMatch(/havoc_bond_slave_mii_state\{bond="bond0",slave="\S+",state="going_down"\} 0/);
    expect(text).toMatch(/havoc_bond_info\{bond="bond0",mode="active-backup",/);
  });

  it('NICs: oper state set, MTU against the network MTU, a missing configured NIC, counters', async () => {
    const nic = (mtu: number) =>
      `operstate=up\nmtu=${mtu}\nspeed=10000\nduplex=full\ncarrier_changes=4\nstatistics/rx_errors=7\nstatistics/tx_errors=0\nstatistics/rx_dropped=1\nstatistics/tx_dropped=0\nstatistics/rx_bytes=100\nstatistics/tx_bytes=200\n`;
    const text = await render(
      scriptOutput([
        ['nic', ['eno2'], nic(1500)],
        ['nic', ['eno1'], nic(1500)],
        ['nic-missing', ['eth1'], ''],
      ]),
    );
    expect(text).toContain('havoc_nic_mtu_expected_bytes{nic="eno2"} 9000');
    expect(text).toContain('havoc_nic_mtu_mismatch{nic="eno2"} 1');
    expect(text).toContain('havoc_nic_mtu_mismatch{nic="eno1"} 0');
    expect(text).toContain('havoc_nic_oper_state{nic="eno1",state="up"} 1');
    expect(text).toContain('havoc_nic_oper_state{nic="eno1",state="down"} 0');
    expect(text).toContain('havoc_nic_present{nic="eth1"} 0');
    expect(text).toContain('havoc_nic_receive_errors_total{nic="eno1"} 7');
    expect(text).toContain('havoc_nic_speed_bits_per_second{nic="eno1"} 10000000000');
  });

  it('DRBD 9 resync (LINBIT/drbdtop events2 capture): every state present, out-of-sync bytes, resync ratio, degraded', async () => {
    const text = await render(
      scriptOutput([
        ['drbd-status-json', [], fixture('drbd', 'status-json-9-healthy.json'), 0],
        ['drbd-events2', [], fixture('drbd', 'events2-9-resync-drbdtop.txt'), 0],
      ]),
    );
    expect(text).toContain(
      'havoc_drbd_replication_state{resource="test0",volume="0",peer="peer",state="SyncSource"} 1',
    );
    expect(text).toContain(
      'havoc_drbd_replication_state{resource="test0",volume="0",peer="peer",state="Established"} 0',
    );
    expect(text).toContain(
      'havoc_drbd_peer_disk_state{resource="test0",volume="0",peer="peer",state="Inconsistent"} 1',
    );
    expect(text).toContain(
      'havoc_drbd_out_of_sync_bytes{resource="test0",volume="0",peer="peer"} 210591232000',
    );
    expect(text).toContain('havoc_drbd_degraded{resource="test0"} 1');
    expect(text).toContain('havoc_drbd_resource_present{resource="r9"} 0');
    expect(text).toContain('havoc_drbd_degraded{resource="r9"} 1');
    expect(text.match(/^havoc_drbd_connection_state\{resource="test0",peer="peer",/gm)).toHaveLength(10);
  });

  it('DRBD 8.4 split brain (/proc/drbd from hoangdh/ghichep-DRBD): split_brain 1, StandAlone', async () => {
    const text = await render(
      scriptOutput([['proc-drbd', [], fixture('drbd', 'proc-drbd-84-split-brain.txt'), 0]]),
    );
    expect(text).toMatch(/havoc_drbd_split_brain\{resource="drbd\d+",peer="peer"\} 1/);
    expect(text).toMatch(
      /havoc_drbd_connection_state\{resource="drbd\d+",peer="peer",state="StandAlone"\} 1/,
    );
  });

  it('DRBD 9 healthy (ha_cluster_exporter fake_drbdsetup JSON) via status --json when events2 failed', async () => {
    const text = await render(
      scriptOutput([
        ['drbd-status-json', [], fixture('drbd', 'status-json-9-healthy.json'), 0],
        ['drbd-events2', [], "drbdsetup: unrecognized option '--statistics'\n", 20],
      ]),
    );
    expect(text).toMatch(/havoc_drbd_replication_state\{[^}]*state="Established"\} 1/);
    expect(text).toContain('havoc_host_source_up{source="drbd"} 1');
  });

  it('libvirt VMs (virsh 9.0.0 test driver captures): paused with reason, crashed is stuck, vcpus and memory', async () => {
    const text = await render(
      scriptOutput([
        ['virsh-list', [], fixture('libvirt', 'virsh-list-all.txt'), 0],
        ['virsh-domstate', ['app1'], fixture('libvirt', 'virsh-domstate-reason-paused-user.txt'), 0],
        ['virsh-dominfo', ['app1'], fixture('libvirt', 'virsh-dominfo-paused.txt'), 0],
        ['virsh-domstate', ['db1'], fixture('libvirt', 'virsh-domstate-reason-ioerror.txt'), 0],
      ]),
    );
    expect(text).toContain('havoc_vm_state{vm="app1",source="libvirt",state="paused"} 1');
    expect(text).toContain('havoc_vm_state{vm="app1",source="libvirt",state="running"} 0');
    expect(text).toContain('havoc_vm_state_reason_info{vm="app1",source="libvirt",reason="user"} 1');
    expect(text).toContain('havoc_vm_stuck{vm="app1",source="libvirt"} 0');
    expect(text).toContain('havoc_vm_vcpus{vm="app1",source="libvirt"} 2');
    expect(text).toContain('havoc_vm_memory_bytes{vm="app1",source="libvirt"} 1073741824');
    expect(text).toContain('havoc_vm_stuck{vm="db1",source="libvirt"} 1');
    expect(text).toContain('havoc_vm_state{vm="stop1",source="libvirt",state="in_shutdown"} 1');
    expect(text).toContain('havoc_vm_stuck{vm="crash1",source="libvirt"} 1');
  });

  it('Xen domains (xl(1) man page example): dom0 skipped, vcpus and memory', async () => {
    const text = await render(scriptOutput([['xl-list', [], fixture('xen', 'xl-list-man-page.txt'), 0]]));
    expect(text).not.toContain('vm="Domain-0"');
    expect(text).toContain('havoc_vm_state{vm="linux",source="xen",state="running"} 1');
    expect(text).toContain('havoc_vm_memory_bytes{vm="linux",source="xen"} 2147483648');
  });

  it('QEMU via QMP (qemu 7.2 session capture): a paused-for-migration VM; an unreachable socket marks the source down', async () => {
    const session = readFileSync(
      new URL('../../protocols/qmp/fixtures/qemu-7.2-basic-session.jsonl', import.meta.url),
      'utf8',
    );
    const greeting = session.split('\n').find((l) => l.includes('"QMP"'))!;
    const body = `${greeting}\n{"return": {}}\n{"return": {"status": "postmigrate", "singlestep": false, "running": false}}\n`;
    const args = [
      'qemu-system-x86_64',
      '-name',
      'guest=web1,debug-threads=on',
      '-smp',
      '2',
      '-m',
      '512',
      '-qmp',
      'unix:/run/web1.qmp,server=on,wait=off',
    ];
    const text = await render(
      scriptOutput([
        ['qemu', ['4242'], `${args.join('\n')}\n`],
        ['qmp', ['4242'], body, 0],
        ['qemu', ['4343'], 'qemu-system-x86_64\n'],
        ['qmp', ['4343'], '', 2],
      ]),
    );
    expect(text).toContain('havoc_vm_state{vm="web1",source="qemu",state="paused"} 1');
    expect(text).toContain('havoc_vm_state_reason_info{vm="web1",source="qemu",reason="postmigrate"} 1');
    expect(text).toContain('havoc_vm_vcpus{vm="web1",source="qemu"} 2');
    expect(text).toContain('havoc_vm_memory_bytes{vm="web1",source="qemu"} 536870912');
    expect(text).toContain('havoc_host_source_up{source="qmp"} 0');
  });

  it('QMP: a QEMU that did not answer fails the source without hiding the QEMUs after it; a failed reader or a QEMU left unread is a failure, never "no VMs"; a QEMU that exited meanwhile is neither', () => {
    const greeting =
      '{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": ""}, "capabilities": ["oob"]}}';
    const running = `${greeting}\n{"return": {}}\n{"return": {"status": "running", "singlestep": false, "running": true}}\n`;
    const qemu = (name: string) => `qemu-system-x86_64\n-name\n${name}\n`;
    const hung = [
      '/run/havoc/qemu-vm/vm1/qmp.sock: no greeting within 3 s',
      '/run/havoc/qemu-vm/vm1/qmp-observer.sock: no greeting within 3 s',
    ].join('\n');
    const snap = (sections: Section[]) => hostSnapshot(splitSections(scriptOutput(sections), 'kvm1'));

    const first = snap([
      ['qemu', ['10'], qemu('vm1')],
      ['qemu', ['11'], qemu('vm2')],
      ['qmp', ['10'], `${hung}\n`, 3],
      ['qmp', ['11'], running, 0],
    ]);
    expect(first.vms.map((vm) => `${vm.name}:${vm.state}`)).toEqual(['vm2:running']);
    expect(first.sources.get('qmp')).toBe(
      'QEMU pid 10: QMP did not answer within 3 s: /run/havoc/qemu-vm/vm1/qmp.sock: no greeting within 3 s; /run/havoc/qemu-vm/vm1/qmp-observer.sock: no greeting within 3 s',
    );

    const reader = snap([
      ['qemu', ['10'], qemu('vm1')],
      ['qmp-reader', [], "Can't locate IO/Select.pm in @INC\n", 2],
    ]);
    expect(reader.vms).toEqual([]);
    expect(reader.sources.get('qmp')).toMatch(
      /^the QMP reader \(perl\) exited with 2: Can't locate IO\/Select.pm/,
    );

    const exited = snap([
      ['qemu', ['11'], qemu('vm2')],
      ['qemu', ['12'], qemu('vm3')],
      ['qmp', ['11'], running, 0],
      ['qmp', ['12'], 'exited before it was asked\n', 4],
    ]);
    expect(exited.vms.map((vm) => vm.name)).toEqual(['vm2']);
    expect(exited.sources.has('qmp')).toBe(true);
    expect(exited.sources.get('qmp')).toBeUndefined();

    const unread = snap([['qemu', ['10'], qemu('vm1')]]);
    expect(unread.sources.get('qmp')).toBe('QEMU pid 10: the host script printed no QMP answer for it');
  });

  it('the QMP reader is valid perl with perl-base modules only and no single quote (the script quotes it in one); it tells an exited QEMU from one without a socket', () => {
    expect(QMP_READER_PERL).not.toContain("'");
    const modules = [...QMP_READER_PERL.matchAll(/\buse (\w+(?:::\w+)*)/g)].map((m) => m[1]);
    expect(modules).toEqual(['strict', 'Socket', 'IO::Select', 'Fcntl', 'Errno']);
    execFileSync('perl', ['-c', '-e', QMP_READER_PERL], { stdio: 'pipe' });
    // A pid above the kernel's largest pid_max (2^22) never exists: a QEMU that exited meanwhile.
    const gone = 2 ** 22 + 1;
    const out = execFileSync(
      'perl',
      ['-e', QMP_READER_PERL, MARKER, '3', String(gone), String(process.pid)],
      {
        stdio: 'pipe',
      },
    ).toString();
    const sections = splitSections(`${out}\n${MARKER} end\n`, 'local');
    expect(sections.map((x) => [x.name, x.args, x.body, x.rc])).toEqual([
      ['qmp', [String(gone)], 'exited before it was asked\n', 4],
      ['qmp', [String(process.pid)], 'no -qmp socket on its command line\n', 2],
      ['end', [], '', undefined],
    ]);
  });

  it('a garbled source fails alone; truncated output or a banner is a clear error', async () => {
    const text = await render(
      scriptOutput([
        ['meminfo', [], meminfo, 0],
        ['bond', ['bond0'], 'not bonding\n', 0],
      ]),
    );
    expect(text).toContain('havoc_host_source_up{source="bonding"} 0');
    expect(text).toContain('havoc_host_source_up{source="memory"} 1');
    expect(() => splitSections(`${MARKER} version 1\n${MARKER} meminfo\n${meminfo}`, 'kvm1')).toThrow(
      /host script on kvm1: output ends before the "end" marker/,
    );
    expect(() => splitSections(`Welcome to kvm1\n${scriptOutput([])}`, 'kvm1')).toThrow(
      /unexpected output before the first section: "Welcome to kvm1"/,
    );
  });
});
