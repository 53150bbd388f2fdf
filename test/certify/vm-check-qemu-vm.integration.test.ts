import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import type { CheckResult } from '../../certify/check.js';
import { deadlineSignal } from '../../core/deadline.js';
import { runInHost } from '../../lab/ha/host-command.js';
import { readLabState } from '../../lab/state.js';
import { havocChild } from '../chaos/chaos-cli.js';
import { startTestLab, type TestLab } from '../support/lab-fixture.js';
import { LAB_VM_DRBD_CHECK_STATUSES } from './lab-check-statuses.js';

/*
 * The VM checks on the real HA lab whose VMs run under havoc's own OCF
 * agent ocf:havoc:qemu-vm (QEMU driven over QMP, no libvirt): the facts are
 * the QEMU command lines read from /proc on the hosts over their sshd, with
 * the host collector's parser. Then a second real QEMU, started on host1
 * with -qmp and a writeback disk, and declared in the inventory: critical.
 */

let lab: TestLab;
const state = () => readLabState(lab.stateDir)!;
const written: string[] = [];

async function check(inventory: string, only?: string) {
  const r = await havocChild(['check', '--json', '-i', inventory, ...(only ? ['--only', only] : [])]);
  try {
    const results = (JSON.parse(r.stdout) as { results: CheckResult[] }).results;
    return { code: r.code, results: Object.fromEntries(results.map((x) => [x.id, x])) };
  } catch {
    throw new Error(`havoc check printed no JSON (exit ${r.code}): ${r.stdout}\n${r.stderr}`);
  }
}

beforeAll(async () => {
  lab = await startTestLab('cc2', {
    hosts: 2,
    ha: { vms: 1, fenceAgent: 'fence_ipmilan', vmAgent: 'qemu-vm' },
  });
}, 300_000);

afterAll(async () => {
  for (const f of written) rmSync(f, { force: true });
  await lab?.down();
}, 90_000);

describe('VM checks on the real HA lab with the qemu-vm agent (QEMU command lines, no libvirt)', () => {
  it('healthy: vm1 from its QEMU command line: disk cache none (-blockdev cache.direct=on), TCG, 128 MiB', async () => {
    const { results } = await check(lab.inventory);
    expect(
      Object.fromEntries(Object.keys(LAB_VM_DRBD_CHECK_STATUSES).map((id) => [id, results[id]?.status])),
    ).toEqual(LAB_VM_DRBD_CHECK_STATUSES);
    expect(Object.values(results['vm.disk-cache']!.hosts).join(' ')).toContain('vm1 (qemu): disk0 none');
    expect(results['vm.cpu-model']!.message).toBe('vm1 -accel tcg');
    expect(results['vm.memory-declared']!.message).toMatch(/vm1 on host[12] 128\/128 MiB/);
  });

  it('a QEMU with a writeback disk on host1, declared in the inventory: vm.disk-cache critical, named', async () => {
    const host1 = state().hosts.host1!;
    const doc = parseDocument(readFileSync(lab.inventory, 'utf8'));
    doc.addIn(['vms'], {
      name: 'vm9',
      memoryMiB: 64,
      vcpus: 1,
      homeHost: 'host1',
      storage: doc.getIn(['vms', 0, 'storage']),
    });
    const file = join(dirname(lab.inventory), 'inventory-cc-vm9.yaml');
    writeFileSync(file, doc.toString());
    written.push(file);
    const dir = '/run/havoc-cc-vm9';
    const signal = () => deadlineSignal(20_000, 'vm9');
    await runInHost('host1', host1, ['mkdir', '-p', dir], signal());
    // Paused (-S) with a null disk: a real QEMU with the command line of a VM, no guest needed.
    await runInHost(
      'host1',
      host1,
      [
        'qemu-system-x86_64',
        '-name',
        'vm9',
        '-accel',
        'tcg',
        '-m',
        '64',
        '-nodefaults',
        '-display',
        'none',
        '-S',
        '-blockdev',
        'driver=null-co,node-name=disk9',
        '-qmp',
        `unix:${dir}/qmp.sock,server=on,wait=off`,
        '-pidfile',
        `${dir}/qemu.pid`,
        '-daemonize',
      ],
      signal(),
    );
    try {
      const { code, results } = await check(file, 'vm.disk-cache');
      expect(results['vm.disk-cache']!.status).toBe('critical');
      expect(results['vm.disk-cache']!.message).toBe('vm9 on host1: disk9 (disk9) cache writeback');
      expect(code).toBe(1);
    } finally {
      const pid = (await runInHost('host1', host1, ['cat', `${dir}/qemu.pid`], signal())).stdout.trim();
      await runInHost('host1', host1, ['kill', pid], signal(), { allowFailure: true });
      await runInHost('host1', host1, ['rm', '-rf', dir], signal(), { allowFailure: true });
    }
  });
});
