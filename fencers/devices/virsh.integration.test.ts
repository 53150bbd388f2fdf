import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deadlineSignal } from '../../core/deadline.js';
import type { HavocError } from '../../core/errors.js';
import { hostConfig } from '../../inventory/schema.js';
import { SshPool } from '../../protocols/ssh/index.js';
import { type SshdPeer, startSshd } from '../../test/support/sshd-peer.js';
import { createVirshDevice } from './virsh.js';

/*
 * The virsh device over a real sshd, running the real virsh (Debian
 * libvirt-clients) on the "hypervisor". No libvirtd runs here, so the domain
 * is libvirt's own test driver (test:///default, a running domain "test",
 * state kept per virsh process): status, list and destroy run for real; a
 * libvirt that cannot be reached, a missing domain and a missing virsh give
 * errors naming the hypervisor.
 */

let sshd: SshdPeer;
let pool: SshPool;
let hypervisor: ReturnType<typeof hostConfig.parse>;
const signal = () => deadlineSignal(15_000, 'virsh device call');

beforeAll(async () => {
  sshd = await startSshd();
  pool = new SshPool();
  hypervisor = hostConfig.parse({
    name: 'hv1',
    address: '127.0.0.1',
    memoryMiB: 1024,
    vcpus: 2,
    ssh: { user: 'root', port: sshd.port, keyFile: sshd.clientKey, knownHostsFile: sshd.knownHosts },
  });
});
afterAll(async () => {
  pool?.close();
  await sshd?.stop();
});

const errorOf = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e as HavocError,
  );

describe('virsh fence device over SSH (real sshd, real virsh)', () => {
  it("reads the state of a running domain, lists, monitors and destroys through libvirt's test driver", async () => {
    const dev = createVirshDevice({ hypervisor, domain: 'test' }, pool, {
      hostName: 'guest1',
      uri: 'test:///default',
    });
    expect(dev.kind).toBe('power');
    expect(await dev.status(signal())).toBe('on');
    await dev.monitor(signal());
    expect(await dev.list!(signal())).toContainEqual(expect.objectContaining({ id: 'test', state: 'on' }));
    await dev.off(signal());
    // "start" of a domain the test driver reports running is accepted as already on.
    await dev.on(signal());
  });

  it('a domain the hypervisor does not have is a clear error', async () => {
    const dev = createVirshDevice({ hypervisor, domain: 'nosuch' }, pool, {
      hostName: 'guest1',
      uri: 'test:///default',
    });
    const err = await errorOf(dev.status(signal()));
    expect(err?.code).toBe('virsh-no-domain');
    expect(err?.message).toBe('virsh domstate nosuch: hv1 has no domain nosuch');
  });

  it("an unreachable libvirt names the hypervisor and libvirt's own message", async () => {
    const dev = createVirshDevice({ hypervisor, domain: 'test' }, pool, {
      hostName: 'guest1',
      uri: 'qemu+unix:///system?socket=/nonexistent/libvirt-sock',
    });
    const err = await errorOf(dev.status(signal()));
    expect(err?.code).toBe('virsh-unreachable');
    expect(err?.message).toMatch(
      /^virsh domstate test on hv1: libvirt is not reachable: error: failed to connect to the hypervisor/,
    );
  });

  it('virsh absent on the hypervisor: "virsh not found on hv1"', async () => {
    const dev = createVirshDevice({ hypervisor, domain: 'test' }, pool, {
      hostName: 'guest1',
      virsh: '/nonexistent/virsh',
    });
    const err = await errorOf(dev.off(signal()));
    expect(err?.code).toBe('virsh-missing');
    expect(err?.message).toBe('virsh not found on hv1 (/nonexistent/virsh)');
  });
});
