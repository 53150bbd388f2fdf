import { describe, expect, it } from 'vitest';
import { moduleName, parseModulesBuiltin, parseModulesDep, resolveLoadOrder } from './moduleOrder.js';

// Lines copied from Debian 12's /lib/modules/6.1.0-56-amd64/modules.dep (linux-image-6.1.0-56-amd64 6.1.192-2).
const DEBIAN_6_1_SAMPLE = `kernel/arch/x86/kernel/msr.ko:
kernel/drivers/virtio/virtio.ko: kernel/drivers/virtio/virtio_ring.ko
kernel/drivers/virtio/virtio_ring.ko:
kernel/drivers/virtio/virtio_pci_modern_dev.ko:
kernel/drivers/virtio/virtio_pci_legacy_dev.ko:
kernel/drivers/virtio/virtio_pci.ko: kernel/drivers/virtio/virtio_pci_legacy_dev.ko kernel/drivers/virtio/virtio_pci_modern_dev.ko kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko
kernel/drivers/block/virtio_blk.ko: kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko
kernel/drivers/net/virtio_net.ko: kernel/drivers/net/net_failover.ko kernel/net/core/failover.ko kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko
kernel/drivers/net/net_failover.ko: kernel/net/core/failover.ko
kernel/net/core/failover.ko:
`;

describe('kernel module load order from modules.dep', () => {
  it('orders the virtio drivers of Debian 6.1 the way modprobe would (DESIGN.md order)', () => {
    const order = resolveLoadOrder(parseModulesDep(DEBIAN_6_1_SAMPLE), [
      'virtio_pci',
      'virtio_net',
      'virtio_blk',
    ]);
    expect(order.map(moduleName)).toEqual([
      'virtio_ring',
      'virtio',
      'virtio_pci_modern_dev',
      'virtio_pci_legacy_dev',
      'virtio_pci',
      'failover',
      'net_failover',
      'virtio_net',
      'virtio_blk',
    ]);
  });

  it('handles compressed modules, dashes, and a modules.dep that lists only direct dependencies', () => {
    const deps = parseModulesDep(`kernel/a/net-b.ko.xz: kernel/a/mid.ko.zst
kernel/a/mid.ko.zst: kernel/a/base.ko.gz
kernel/a/base.ko.gz:
`);
    expect(resolveLoadOrder(deps, ['net-b'])).toEqual([
      'kernel/a/base.ko.gz',
      'kernel/a/mid.ko.zst',
      'kernel/a/net-b.ko.xz',
    ]);
  });

  it('skips built-in drivers and names a module that is nowhere', () => {
    const deps = parseModulesDep(DEBIAN_6_1_SAMPLE);
    const builtin = parseModulesBuiltin('kernel/drivers/block/virtio_blk.ko\n');
    expect(resolveLoadOrder(deps, ['virtio_blk'], builtin)).toEqual([]);
    expect(() => resolveLoadOrder(deps, ['virtio_scsi'])).toThrow(
      'module virtio_scsi is neither in modules.dep nor in modules.builtin',
    );
  });

  it('reports a cycle and a malformed line with its number', () => {
    const cyclic = parseModulesDep('a.ko: b.ko\nb.ko: a.ko\n');
    expect(() => resolveLoadOrder(cyclic, ['a'])).toThrow(/dependency cycle/);
    expect(() => parseModulesDep('a.ko:\nthis line has no colon\n', 'modules.dep')).toThrow(
      /modules.dep line 2/,
    );
  });
});
