import { describe, expect, it } from 'vitest';
import { guestAppend, qemuArgs } from './qemuArgs.js';
import { type VmSpec, validateVmSpec } from './vmSpec.js';

const spec: VmSpec = {
  name: 'vm1',
  netns: 'hvv-h1',
  memoryMiB: 192,
  vcpus: 1,
  kernel: '/boot/vmlinuz-6.1.0-56-amd64',
  initrd: '/var/cache/havoc/guest.cpio.gz',
  ip: '198.18.3.101/24',
  gateway: '198.18.3.1',
  mac: '52:54:00:77:00:64',
  tap: 'tap-vm1',
  bridge: 'brvm',
  nbd: { host: '198.18.3.5', port: 10809, export: 'disk' },
  stateDir: '/run/havoc/qemu-vm/vm1',
};

describe('VM spec and QEMU command line', () => {
  it('accepts a good spec and names every bad field', () => {
    expect(validateVmSpec(spec)).toEqual([]);
    const problems = validateVmSpec({
      ...spec,
      name: 'vm 1',
      memoryMiB: 32,
      ip: '198.18.3.300/24',
      mac: '01:00:5e:00:00:01',
      tap: 'a-very-long-tap-name',
      nbd: { host: 'storage', port: 0, export: 'disk,cache=none' },
      stateDir: 'relative/dir',
    });
    expect(problems.join('\n')).toMatchInlineSnapshot(`
      "name "vm 1" must be 1-63 letters, digits, '.', '_' or '-'
      memory 32 MiB: need an integer >= 96 (the Debian kernel does not boot in less)
      ip "198.18.3.300/24" must be IPv4/prefix, e.g. 198.18.3.101/24
      mac 01:00:5e:00:00:01 is a multicast address
      tap "a-very-long-tap-name" must be a 1-15 character interface name
      nbd host "storage" is not an IPv4 address
      nbd port 0 is not a TCP port
      nbd export "disk,cache=none" must be a plain name
      stateDir "relative/dir" must be an absolute path without commas"
    `);
  });

  it('builds a TCG command line with the tap, the NBD disk, QMP and the guest parameters', () => {
    const args = qemuArgs(spec);
    const argAfter = (flag: string) => args[args.indexOf(flag) + 1];
    expect(argAfter('-accel')).toBe('tcg');
    expect(argAfter('-netdev')).toBe('tap,id=net0,ifname=tap-vm1,script=no,downscript=no');
    expect(argAfter('-blockdev')).toBe(
      'driver=nbd,node-name=disk0,server.type=inet,server.host=198.18.3.5,server.port=10809,export=disk,cache.direct=on',
    );
    expect(args.filter((_, i) => args[i - 1] === '-qmp')).toEqual([
      'unix:/run/havoc/qemu-vm/vm1/qmp.sock,server=on,wait=off',
      'unix:/run/havoc/qemu-vm/vm1/qmp-observer.sock,server=on,wait=off',
    ]);
    expect(argAfter('-pidfile')).toBe('/run/havoc/qemu-vm/vm1/qemu.pid');
    expect(args).toContain('-daemonize');
    expect(args).not.toContain('-incoming');
    expect(guestAppend(spec)).toBe(
      'console=ttyS0 quiet panic=-1 havoc.ip=198.18.3.101/24 havoc.name=vm1 havoc.gw=198.18.3.1',
    );
    const incoming = qemuArgs(spec, { incoming: 'defer' });
    expect(incoming.slice(-2)).toEqual(['-incoming', 'defer']);
    // Source and target differ only in what the guest cannot see.
    expect(
      qemuArgs({ ...spec, netns: 'hvv-h2', stateDir: '/x' }).filter((a) => a.includes('virtio')),
    ).toEqual(args.filter((a) => a.includes('virtio')));
  });
});
