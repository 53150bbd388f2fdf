import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import type { CheckResult } from '../../certify/check.js';
import { deadlineSignal } from '../../core/deadline.js';
import { domainConfigPath } from '../../lab/ha/ha-up.js';
import { runInHost } from '../../lab/ha/host-command.js';
import { readLabState } from '../../lab/state.js';
import { havocChild } from '../chaos/chaos-cli.js';
import { crmIn, hostOf, waitForCluster } from '../lab-ha/ha-peers.js';
import { startTestLab, type TestLab } from '../support/lab-fixture.js';
import { LAB_VM_DRBD_CHECK_STATUSES } from './lab-check-statuses.js';

/*
 * The VM and DRBD live checks against the real 2-host HA lab (Pacemaker,
 * VirtualDomain, libvirtd and QEMU in the lab hosts, read over their sshd):
 * healthy, then broken one way at a time and put back: vm1's disk switched
 * to cache='writeback' (its domain XML edited and the resource restarted),
 * the inventory declaring less memory than vm1 has, and DRBD. DRBD's kernel
 * module cannot run here, but the real drbdadm (drbd-utils) reads a
 * configuration without it: each host gets a resource configuration from
 * LINBIT's DRBD 9 user's guide (fixtures/drbd/SOURCES.md) bind-mounted over
 * /etc/drbd.conf in its own mount namespace, and the inventory a DRBD
 * storage r0 between host1 and host2.
 */

let lab: TestLab;
const state = () => readLabState(lab.stateDir)!;
const DRBD_FIXTURES = join(import.meta.dirname, 'fixtures', 'drbd');
const written: string[] = [];

async function check(
  inventory: string,
  only?: string,
): Promise<{ code: number | null; results: Record<string, CheckResult> }> {
  const r = await havocChild(['check', '--json', '-i', inventory, ...(only ? ['--only', only] : [])]);
  try {
    const results = (JSON.parse(r.stdout) as { results: CheckResult[] }).results;
    return { code: r.code, results: Object.fromEntries(results.map((x) => [x.id, x])) };
  } catch {
    throw new Error(`havoc check printed no JSON (exit ${r.code}): ${r.stdout}\n${r.stderr}`);
  }
}

/** The lab's inventory changed by `edit`, beside it (so its relative secret paths still hold). */
function inventoryWith(name: string, edit: (doc: ReturnType<typeof parseDocument>) => void): string {
  const doc = parseDocument(readFileSync(lab.inventory, 'utf8'));
  edit(doc);
  const file = join(dirname(lab.inventory), `inventory-${name}.yaml`);
  writeFileSync(file, doc.toString());
  written.push(file);
  return file;
}

async function restartVm1(): Promise<void> {
  await crmIn(
    state(),
    'host1',
    ['crm_resource', '--restart', '--resource', 'vm1', '--timeout', '150s'],
    180_000,
  );
  await waitForCluster(state(), 'host1', 'vm1 started', 120_000, (st) => hostOf(st, 'vm1'));
}

beforeAll(async () => {
  lab = await startTestLab('cc1', {
    hosts: 2,
    ha: { vms: 1, fenceAgent: 'fence_ipmilan', vmAgent: 'virtualdomain' },
  });
}, 300_000);

afterAll(async () => {
  for (const f of written) rmSync(f, { force: true });
  await lab?.down();
}, 90_000);

describe('VM checks on the real HA lab (VirtualDomain, libvirtd, QEMU)', () => {
  it("healthy: vm1's disk is cache none, its CPU emulated (TCG), its memory as declared; no DRBD: not applicable", async () => {
    const { results } = await check(lab.inventory);
    const statuses = Object.fromEntries(
      Object.keys(LAB_VM_DRBD_CHECK_STATUSES).map((id) => [id, results[id]?.status]),
    );
    expect(statuses).toEqual(LAB_VM_DRBD_CHECK_STATUSES);
    // Read from libvirt on the host running vm1, not assumed.
    expect(results['vm.disk-cache']!.message).toMatch(/^none or directsync: vm1 on host[12]$/);
    expect(Object.values(results['vm.disk-cache']!.hosts).join(' ')).toContain('vm1 (libvirt): vda none');
    expect(results['vm.cpu-model']!.message).toBe('vm1 domain type qemu (TCG)');
    expect(results['vm.memory-declared']!.message).toMatch(/vm1 on host[12] 128\/128 MiB/);
  });

  it("vm1 restarted with cache='writeback': vm.disk-cache critical, named; put back", async () => {
    const xmlFile = domainConfigPath(state().dir, 'vm1');
    const original = readFileSync(xmlFile, 'utf8');
    expect(original).toContain("cache='none'");
    writeFileSync(xmlFile, original.replace("cache='none'", "cache='writeback'"));
    try {
      await restartVm1();
      const { code, results } = await check(lab.inventory, 'vm.disk-cache');
      expect(results['vm.disk-cache']!.status).toBe('critical');
      expect(results['vm.disk-cache']!.message).toMatch(
        /^vm1 on host[12]: vda \(nbd:[^)]+\) cache writeback$/,
      );
      expect(code).toBe(1);
    } finally {
      writeFileSync(xmlFile, original);
      await restartVm1();
    }
    expect((await check(lab.inventory, 'vm.disk-cache')).results['vm.disk-cache']!.status).toBe('passing');
  }, 600_000);

  it('the inventory declaring 64 MiB for vm1 (it has 128): vm.memory-declared critical with both figures', async () => {
    const file = inventoryWith('cc-mem', (doc) => doc.setIn(['vms', 0, 'memoryMiB'], 64));
    const { code, results } = await check(file, 'vm.memory-declared');
    expect(results['vm.memory-declared']!.message).toMatch(
      /^vm1 on host[12]: 128 MiB defined, 64 MiB declared$/,
    );
    expect(code).toBe(1);
  });
});

describe('DRBD checks over the real sshd of the lab hosts, on the real drbdadm reading LINBIT UG9 configurations', () => {
  let inventory: string;
  const mounted: string[] = [];
  const give = async (host: string, fixture: string) => {
    const h = state().hosts[host]!;
    if (mounted.includes(host))
      await runInHost(host, h, ['umount', '/etc/drbd.conf'], deadlineSignal(20_000, 'umount'));
    else mounted.push(host);
    await runInHost(
      host,
      h,
      ['mount', '--bind', join(DRBD_FIXTURES, fixture), '/etc/drbd.conf'],
      deadlineSignal(20_000, 'mount'),
    );
  };
  beforeAll(() => {
    inventory = inventoryWith('cc-drbd', (doc) =>
      doc.addIn(['storage'], {
        name: 'repl',
        type: 'drbd',
        resources: [{ name: 'r0', peers: ['host1', 'host2'] }],
      }),
    );
  });
  afterAll(async () => {
    for (const host of mounted)
      await runInHost(
        host,
        state().hosts[host]!,
        ['umount', '/etc/drbd.conf'],
        deadlineSignal(20_000, 'umount'),
        {
          allowFailure: true,
        },
      );
  });

  it('dual-primary configuration on both: protocol C and fencing pass, allow-two-primaries is critical (no VM migrates on r0)', async () => {
    await give('host1', 'ug9-dual-primary.conf');
    await give('host2', 'ug9-dual-primary.conf');
    const { results } = await check(inventory);
    expect(results['drbd.protocol-c']!.status).toBe('passing');
    expect(results['drbd.protocol-c']!.hosts).toEqual({ host1: 'r0 protocol C', host2: 'r0 protocol C' });
    expect(results['drbd.fencing']!.status).toBe('passing');
    expect(results['drbd.dual-primary']!.status).toBe('critical');
    expect(results['drbd.dual-primary']!.message).toContain(
      'r0 on host1: allow-two-primaries yes, and no inventory VM live-migrates on it',
    );
  });

  it("host2 on the guide's simple configuration (no fencing): drbd.fencing critical on host2 only", async () => {
    await give('host2', 'ug9-simple.conf');
    const { code, results } = await check(inventory, 'drbd.fencing');
    expect(results['drbd.fencing']!.status).toBe('critical');
    expect(results['drbd.fencing']!.message).toBe('host2: r0: fencing dont-care, no fence-peer handler');
    expect(results['drbd.fencing']!.hosts.host1).toContain('r0 resource-and-stonith');
    expect(code).toBe(1);
  });

  it('a host whose drbdadm has no configuration: error naming it, not a pass', async () => {
    await give('host2', 'SOURCES.md');
    const { results } = await check(inventory, 'drbd.protocol-c');
    expect(results['drbd.protocol-c']!.status).toBe('error');
    expect(results['drbd.protocol-c']!.hosts.host2).toMatch(/^error: drbd: /);
    expect(results['drbd.protocol-c']!.hosts.host1).toBe('r0 protocol C');
  });
});
