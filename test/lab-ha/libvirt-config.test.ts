import { execFile } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { domainUuid, domainXml } from '../../lab/ha/domain-xml.js';
import { haPlan } from '../../lab/ha/ha-plan.js';
import { etcHosts, libvirtdConf, qemuConf } from '../../lab/ha/libvirt-host.js';
import { qemuPidFileInHost } from '../../lab/ha/vm-pidfile.js';
import { labTopology } from '../../lab/topology.js';
import { tempDir } from '../support/temp-dir.js';

const run = promisify(execFile);
const plan = haPlan(labTopology('ha1', 3, 7), 2, ['vm1', 'vm2'], 'fence_ipmilan');
const inputs = {
  lab: 'ha1',
  kernel: '/boot/vmlinuz-6.1.0-test-amd64',
  initrd: '/var/lib/havoc/labs/ha1/guest/guest.cpio.gz',
  nbdHost: '198.18.57.5',
  nbdPort: 10809,
};

describe('libvirt domain of a lab VM', () => {
  it("passes libvirt's own domain schema (virt-xml-validate, Debian libvirt-clients)", async () => {
    const dir = tempDir('havoc-domain-');
    try {
      const file = join(dir, 'vm1.xml');
      writeFileSync(file, domainXml(plan.vms[0]!, inputs));
      const r = await run('virt-xml-validate', [file, 'domain']).catch(
        (err: NodeJS.ErrnoException & { stdout?: string; stderr?: string }) => {
          if (err.code === 'ENOENT')
            throw new Error('virt-xml-validate is missing: install the Debian package libvirt-clients');
          throw new Error(`virt-xml-validate rejected the domain: ${err.stderr ?? ''}${err.stdout ?? ''}`);
        },
      );
      // It reports on stderr, exit code 0 only when the document is valid.
      expect(`${r.stdout}${r.stderr}`).toMatch(/validates/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('boots the lab guest under TCG with its fixed MAC on br-vm and its NBD volume uncached (so migration is safe)', () => {
    const xml = domainXml(plan.vms[1]!, inputs);
    expect(xml).toContain("<domain type='qemu'>");
    expect(xml).toContain(
      '<cmdline>console=ttyS0 quiet panic=-1 havoc.ip=198.18.59.102/24 havoc.name=vm2</cmdline>',
    );
    expect(xml).toContain("<mac address='52:54:00:07:00:02'/>");
    expect(xml).toContain("<source bridge='br-vm'/>");
    expect(xml).toContain(
      "<driver name='qemu' type='raw' cache='none' error_policy='stop' rerror_policy='stop'/>",
    );
    expect(xml).toContain("<source protocol='nbd' name='vm2'>");
    expect(xml).toContain("<host name='198.18.57.5' port='10809'/>");
  });

  it('gives a VM the same UUID on every host and a different one in another lab', () => {
    expect(domainUuid('ha1', 'vm1')).toBe(domainUuid('ha1', 'vm1'));
    expect(domainUuid('ha1', 'vm1')).not.toBe(domainUuid('ha2', 'vm1'));
    expect(domainUuid('ha1', 'vm1')).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });
});

describe('libvirtd and its QEMU driver on a lab host', () => {
  it('listens for peers on the migration network only, with its own host UUID', () => {
    const conf = libvirtdConf(plan.nodes[1]!, '0b6c3a52-0c0d-4a54-9d1e-2f9f5f0e8a11');
    expect(conf).toContain('listen_addr = "198.18.58.12"');
    expect(conf).toContain('host_uuid = "0b6c3a52-0c0d-4a54-9d1e-2f9f5f0e8a11"');
    expect(conf).toContain('listen_tls = 0');
  });

  it('runs QEMU without cgroups or virtlogd, so a powered-off host leaves nothing behind', () => {
    expect(qemuConf()).toContain('cgroup_controllers = [ ]');
    expect(qemuConf()).toContain('stdio_handler = "file"');
  });

  it('names every node on the management network and as <node>-migr on the migration network', () => {
    const hosts = etcHosts(plan);
    expect(hosts).toContain('198.18.56.12 host2\n');
    expect(hosts).toContain('198.18.58.13 host3-migr\n');
  });

  it("finds QEMU's pidfile where each VM agent keeps it", () => {
    expect(qemuPidFileInHost('virtualdomain', 'vm2')).toBe('/run/libvirt/qemu/vm2.pid');
    expect(qemuPidFileInHost('qemu-vm', 'vm2')).toBe('/run/havoc/qemu-vm/vm2/qemu.pid');
  });
});
