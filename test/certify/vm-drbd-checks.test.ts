import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { HostFacts, LiveCheck } from '../../certify/check.js';
import { DRBD_CHECKS, VM_CHECKS } from '../../certify/checks/index.js';
import type { HostFactValues } from '../../certify/facts/fact-values.js';
import { parseVmDefinitions, type VmDefinition } from '../../certify/facts/vm-definitions.js';
import { judgeCheck } from '../../certify/run-checks.js';
import { MARKER } from '../../exporters/collectors/host-script.js';
import { type Inventory, inventorySchema } from '../../inventory/schema.js';
import { qemuArgs } from '../../lab/vm/qemuArgs.js';
import { parseDrbdConf } from '../../protocols/drbd/index.js';
import { parseDomainXml } from '../../protocols/libvirt/index.js';
import { inventory as buildInventory, host, type InventoryInput, vm } from '../inventory/build.js';

/*
 * The VM and DRBD checks on captured outputs: `virsh dumpxml` from libvirt's
 * test driver with domains after libvirt's formatdomain examples
 * (fixtures/vm/SOURCES.md), the QEMU argv havoc's qemu-vm agent runs
 * (lab/vm/qemuArgs.ts), and the real `drbdadm dump all` of resource
 * configurations from LINBIT's DRBD 9 user's guide (fixtures/drbd/SOURCES.md).
 */

const fixture = (...p: string[]) => readFileSync(join(import.meta.dirname, 'fixtures', ...p), 'utf8');
const dumpxml = (name: string) => fixture('vm', `dumpxml-${name}.xml`);

/** The gatherer's output as a host with these libvirt domains (and QEMU argvs) prints it. */
function scriptOutput(domains: string[], qemus: string[][] = []): string {
  const m = (s: string) => `\n${MARKER} ${s}\n`;
  return [
    m('virsh-list'),
    domains.join('\n'),
    m('rc 0'),
    ...domains.flatMap((d) => [m(`domain ${d}`), dumpxml(d), m('rc 0')]),
    ...qemus.flatMap((argv, i) => [m(`qemu ${1000 + i}`), `${argv.join('\n')}\n`]),
    m('end'),
  ].join('');
}

const parse = (input: InventoryInput): Inventory => inventorySchema.parse(input);

const inv = (over: Partial<InventoryInput> = {}) =>
  parse(
    buildInventory({
      hosts: [host('h1'), host('h2'), host('h3')],
      vms: [vm('web', 'h1', 2048), vm('db', 'h2', 4096), vm('mail', 'h3', 1024)],
      ...over,
    }),
  );

function facts(per: Record<string, Partial<HostFactValues>>): HostFacts[] {
  return Object.entries(per).map(([h, values]) => ({ host: h, values, errors: {} }));
}

const check = (list: readonly LiveCheck[], id: string) => {
  const c = list.find((x) => x.id === id);
  if (!c) throw new Error(`no check ${id}`);
  return c;
};
const cpu = (model: string) => ({ model });

describe('libvirt domain XML and QEMU command lines as VM definitions', () => {
  it('reads the CPU mode, memory and every disk with its cache mode from virsh dumpxml', () => {
    const web = parseDomainXml(dumpxml('web'));
    expect(web).toMatchObject({ name: 'web', memoryMiB: 2048, cpu: { mode: 'host-passthrough' } });
    // The cdrom is not a disk the guest writes: left out.
    expect(web.disks).toEqual([{ target: 'vda', source: '/dev/drbd0', cache: 'none', readonly: false }]);
    const db = parseDomainXml(dumpxml('db'));
    expect(db.cpu).toEqual({ mode: 'custom', model: 'core2duo' });
    expect(db.disks.map((d) => [d.source, d.cache])).toEqual([
      ['nbd:db-disk', 'writeback'],
      ['/srv/nfs/db-logs.qcow2', 'directsync'],
    ]);
    expect(parseDomainXml(dumpxml('mail')).cpu.mode).toBe('host-model');
  });

  it('a domain whose XML is not a domain is an error naming it', () => {
    expect(() => parseDomainXml('<network><name>x</name></network>', 'virsh dumpxml x')).toThrow(
      /virsh dumpxml x: expected a <domain>/,
    );
  });

  it("reads the qemu-vm agent's own QEMU argv: TCG (emulated CPU), -m, and its NBD -blockdev as cache none", () => {
    const argv = qemuArgs({
      name: 'vm1',
      memoryMiB: 128,
      vcpus: 1,
      kernel: '/boot/vmlinuz',
      initrd: '/var/cache/havoc/guest.cpio.gz',
      ip: '198.18.3.101/24',
      mac: '52:54:00:77:00:64',
      tap: 'tap-vm1',
      bridge: 'brvm',
      nbd: { host: '198.18.3.5', port: 10809, export: 'disk' },
      stateDir: '/run/havoc/qemu-vm/vm1',
    });
    const [def] = parseVmDefinitions(scriptOutput([], [argv]), 'h1');
    expect(def).toEqual({
      name: 'vm1',
      source: 'qemu',
      memoryMiB: 128,
      cpu: { kind: 'emulated', detail: '-accel tcg' },
      disks: [{ name: 'disk0', source: 'disk0', cache: 'none' }],
    });
  });

  it('reads -drive cache=, a -blockdev chain as one disk, and -cpu host under KVM as the host CPU', () => {
    const argv = [
      'qemu-system-x86_64',
      '-name',
      'guest=db,debug-threads=on',
      '-enable-kvm',
      '-cpu',
      'host,migratable=on',
      '-m',
      'size=4G',
      '-drive',
      'file=/srv/a.img,,x,if=none,id=drive0,cache=writeback',
      '-blockdev',
      '{"driver":"file","filename":"/srv/b.qcow2","node-name":"proto1","cache":{"direct":true,"no-flush":false}}',
      '-blockdev',
      '{"node-name":"fmt1","driver":"qcow2","file":"proto1","cache":{"direct":true,"no-flush":false}}',
      '-qmp',
      'unix:/run/db.qmp,server=on,wait=off',
    ];
    const [def] = parseVmDefinitions(scriptOutput([], [argv]), 'h1');
    expect(def).toMatchObject({ name: 'db', memoryMiB: 4096, cpu: { kind: 'host', detail: '-cpu host' } });
    expect(def!.disks).toEqual([
      { name: 'drive0', source: 'drive0', cache: 'writeback' },
      { name: 'fmt1', source: 'fmt1', cache: 'none' },
    ]);
  });
});

describe('vm.disk-cache', () => {
  const c = check(VM_CHECKS, 'vm.disk-cache');
  const defs = (...d: string[]) => parseVmDefinitions(scriptOutput(d), 'h');

  it('passes when every writable disk is none or directsync (a read-only cdrom does not count)', () => {
    const r = judgeCheck(
      c,
      facts({ h1: { vms: defs('web') }, h2: { vms: [] }, h3: { vms: [] } }),
      inv({ vms: [vm('web', 'h1', 2048)] }),
    );
    expect(r.status).toBe('passing');
    expect(r.hosts.h1).toBe('web (libvirt): vda none');
  });

  it('critical for a writeback disk and for a disk with no cache attribute (QEMU default writeback), named', () => {
    const r = judgeCheck(
      c,
      facts({ h1: { vms: defs('web') }, h2: { vms: defs('db') }, h3: { vms: defs('mail') } }),
      inv(),
    );
    expect(r.status).toBe('critical');
    expect(r.message).toBe(
      'db on h2: vda (nbd:db-disk) cache writeback; mail on h3: vda (/srv/nfs/mail.qcow2) cache writeback (default)',
    );
  });

  it('an HA VM seen on no host is an error, not a pass', () => {
    const r = judgeCheck(
      c,
      facts({ h1: { vms: defs('web') }, h2: { vms: [] }, h3: { vms: [] } }),
      inv({ vms: [vm('web', 'h1', 2048), vm('db', 'h2', 4096)] }),
    );
    expect(r.status).toBe('error');
    expect(r.message).toContain('db not defined on any host that answered');
  });

  it('a host whose VM facts could not be gathered makes it an error; a failure elsewhere still fails', () => {
    const gone: HostFacts = { host: 'h3', values: {}, errors: { vms: 'virsh dumpxml mail: timed out' } };
    const ok = judgeCheck(
      c,
      [...facts({ h1: { vms: defs('web') }, h2: { vms: [] } }), gone],
      inv({ vms: [vm('web', 'h1', 2048)] }),
    );
    expect(ok.status).toBe('error');
    expect(ok.hosts.h3).toBe('error: vms: virsh dumpxml mail: timed out');
    const bad = judgeCheck(
      c,
      [...facts({ h1: { vms: defs('web') }, h2: { vms: defs('db') } }), gone],
      inv({ vms: [vm('web', 'h1', 2048), vm('db', 'h2', 4096)] }),
    );
    expect(bad.status).toBe('critical');
  });

  it('not applicable without HA VMs on shared storage, and on a XenServer pool', () => {
    expect(judgeCheck(c, [], inv({ vms: [] })).status).toBe('not-applicable');
    expect(judgeCheck(c, [], inv({ vms: [vm('web', 'h1', 2048, { haPriority: 'never' })] })).status).toBe(
      'not-applicable',
    );
    const pool = inv({
      haManager: { type: 'xapi', url: 'https://pool.example/jsonrpc', user: 'root', password: { env: 'X' } },
    });
    for (const v of VM_CHECKS) expect(judgeCheck(v, [], pool).message).toMatch(/^XenServer pool/);
  });
});

describe('vm.cpu-model', () => {
  const c = check(VM_CHECKS, 'vm.cpu-model');
  const web = parseVmDefinitions(scriptOutput(['web']), 'h1');
  const only = { vms: [vm('web', 'h1', 2048)] };

  it('host-passthrough with the same CPU model on every host the VM may run on: passing', () => {
    const f = facts({
      h1: { vms: web, hostCpu: cpu('AMD EPYC 7313') },
      h2: { vms: [], hostCpu: cpu('AMD EPYC 7313') },
      h3: { vms: [], hostCpu: cpu('AMD EPYC 7313') },
    });
    expect(judgeCheck(c, f, inv(only)).status).toBe('passing');
  });

  it('host-passthrough and one allowed host with another CPU: critical, both models named', () => {
    const f = facts({
      h1: { vms: web, hostCpu: cpu('AMD EPYC 7313') },
      h2: { vms: [], hostCpu: cpu('Intel(R) Xeon(R) Gold 6248R CPU @ 3.00GHz') },
      h3: { vms: [], hostCpu: cpu('AMD EPYC 7313') },
    });
    const r = judgeCheck(c, f, inv(only));
    expect(r.status).toBe('critical');
    expect(r.message).toBe(
      'web (cpu mode host-passthrough on h1) may run on h1, h3: AMD EPYC 7313 vs h2: Intel(R) Xeon(R) Gold 6248R CPU @ 3.00GHz',
    );
    // Kept off the odd host (allowedHosts), it is safe.
    const pinned = inv({ vms: [vm('web', 'h1', 2048, { allowedHosts: ['h1', 'h3'] })] });
    expect(judgeCheck(c, f, pinned).status).toBe('passing');
  });

  it('a named CPU model does not depend on the host CPUs', () => {
    const f = facts({
      h1: { vms: parseVmDefinitions(scriptOutput(['db']), 'h1'), hostCpu: cpu('AMD EPYC 7313') },
      h2: { vms: [], hostCpu: cpu('Intel Xeon') },
      h3: { vms: [], hostCpu: cpu('AMD EPYC 7313') },
    });
    const r = judgeCheck(c, f, inv({ vms: [vm('db', 'h1', 4096)] }));
    expect(r.status).toBe('passing');
    expect(r.message).toBe('db cpu model core2duo');
  });
});

describe('vm.memory-declared', () => {
  const c = check(VM_CHECKS, 'vm.memory-declared');
  const db = parseVmDefinitions(scriptOutput(['db']), 'h2');
  const f = facts({ h1: { vms: [] }, h2: { vms: db }, h3: { vms: [] } });

  it('defined with more memory than declared: critical with both figures', () => {
    const r = judgeCheck(c, f, inv({ vms: [vm('db', 'h2', 2048)] }));
    expect(r.status).toBe('critical');
    expect(r.message).toBe('db on h2: 4096 MiB defined, 2048 MiB declared');
  });

  it('within the declared figure: passing', () => {
    expect(judgeCheck(c, f, inv({ vms: [vm('db', 'h2', 4096)] })).status).toBe('passing');
  });

  it('a QEMU without -m (memory unknown) is an error, not a pass', () => {
    const noM: VmDefinition = {
      name: 'db',
      source: 'qemu',
      memoryMiB: undefined,
      cpu: { kind: 'named', detail: '' },
      disks: [],
    };
    const r = judgeCheck(
      c,
      facts({ h2: { vms: [noM] } }),
      inv({ hosts: [host('h2')], vms: [vm('db', 'h2', 4096)] }),
    );
    expect(r.status).toBe('error');
    expect(r.message).toContain('memory unknown: db on h2');
  });
});

describe('DRBD checks on the real drbdadm dump of LINBIT UG9 configurations', () => {
  const simple = parseDrbdConf(fixture('drbd', 'drbdadm-dump-ug9-simple.txt'));
  const dual = parseDrbdConf(fixture('drbd', 'drbdadm-dump-ug9-dual-primary.txt'));
  const resourceOnly = parseDrbdConf(fixture('drbd', 'drbdadm-dump-ug9-resource-only.txt'));
  const drbdInventory = (vms: InventoryInput['vms'] = []) =>
    inv({
      hosts: [host('alice'), host('bob'), host('carol')],
      storage: [{ name: 'repl', type: 'drbd', resources: [{ name: 'r0', peers: ['alice', 'bob'] }] }],
      vms,
    });
  const on = (conf: typeof simple) => facts({ alice: { drbd: conf }, bob: { drbd: conf }, carol: {} });
  const judge = (id: string, conf: typeof simple, i = drbdInventory()) =>
    judgeCheck(check(DRBD_CHECKS, id), on(conf), i);

  it('parses the resource with common merged in, its device and handlers', () => {
    expect(simple).toEqual([
      {
        name: 'r0',
        net: { protocol: 'C' },
        disk: {},
        connections: [{ name: 'alice-bob', net: { protocol: 'C' } }],
        handlers: {},
        devices: ['/dev/drbd1'],
      },
    ]);
    expect(dual[0]!.net).toEqual({
      protocol: 'C',
      'allow-two-primaries': 'yes',
      fencing: 'resource-and-stonith',
    });
    expect(dual[0]!.handlers['fence-peer']).toBe('/usr/lib/drbd/crm-fence-peer.9.sh');
  });

  it('drbd.protocol-c: passing (from common), critical when a connection or the resource says A; judged on the peers only', () => {
    const r = judge('drbd.protocol-c', simple);
    expect(r.status).toBe('passing');
    expect(Object.keys(r.hosts)).toEqual(['alice', 'bob']);
    const a = parseDrbdConf(
      fixture('drbd', 'drbdadm-dump-ug9-simple.txt').replace('protocol           C;', 'protocol A;'),
    );
    expect(judge('drbd.protocol-c', a).message).toBe('alice: r0 protocol A; bob: r0 protocol A');
  });

  it('drbd.fencing: the UG9 simple example has none, resource-only is not enough, resource-and-stonith with fence-peer passes', () => {
    expect(judge('drbd.fencing', simple).message).toContain('r0: fencing dont-care, no fence-peer handler');
    expect(judge('drbd.fencing', resourceOnly).message).toContain('r0: fencing resource-only');
    expect(judge('drbd.fencing', resourceOnly).status).toBe('critical');
    expect(judge('drbd.fencing', dual).status).toBe('passing');
  });

  it('drbd.dual-primary: required only where a VM on the resource live-migrates between its peers', () => {
    const migrating = [vm('mail', 'alice', 1024, { storage: 'repl' })];
    const pinned = [vm('mail', 'alice', 1024, { storage: 'repl', allowedHosts: ['alice', 'carol'] })];
    expect(judge('drbd.dual-primary', dual, drbdInventory(migrating)).status).toBe('passing');
    const missing = judge('drbd.dual-primary', simple, drbdInventory(migrating));
    expect(missing.status).toBe('critical');
    expect(missing.message).toContain(
      'r0 on alice: allow-two-primaries no, but mail (may migrate between alice, bob) live-migrates on it',
    );
    const needless = judge('drbd.dual-primary', dual, drbdInventory(pinned));
    expect(needless.message).toContain(
      'r0 on alice: allow-two-primaries yes, and no inventory VM live-migrates on it',
    );
    expect(judge('drbd.dual-primary', simple, drbdInventory(pinned)).status).toBe('passing');
  });

  it('a resource the inventory declares but the host does not configure fails; no DRBD declared: not applicable', () => {
    const other = parseDrbdConf(
      fixture('drbd', 'drbdadm-dump-ug9-simple.txt').replace('resource r0 {', 'resource r9 {'),
    );
    expect(judge('drbd.protocol-c', other).message).toContain('r0 not configured (not in drbdadm dump all)');
    for (const c of DRBD_CHECKS) expect(judgeCheck(c, [], inv()).status).toBe('not-applicable');
  });

  it('unbalanced output is an error naming the tool', () => {
    expect(() => parseDrbdConf('resource r0 {\n net { protocol C;\n', 'drbdadm dump all')).toThrow(
      /drbdadm dump all: the output ends inside a section/,
    );
  });
});
