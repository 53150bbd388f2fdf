import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../certify/check.js';
import { clusterHostDirs } from '../../lab/ha/cluster-host.js';
import { readLabState } from '../../lab/state.js';
import { havocChild } from '../chaos/chaos-cli.js';
import { ipmitoolPower } from '../lab/ipmitool-peer.js';
import { crmIn, setStonithEnabled, waitForCluster } from '../lab-ha/ha-peers.js';
import { startTestLab, type TestLab } from '../support/lab-fixture.js';
import { LAB_CHECK_STATUSES, LAB_VM_DRBD_CHECK_STATUSES } from './lab-check-statuses.js';

/*
 * `havoc check` against the real 2-host HA lab (corosync, Pacemaker, sshd in
 * the lab hosts): healthy, then broken one way at a time the way the issue
 * lists (stonith disabled, a leftover cli- constraint, corosync.conf changed
 * on one node, a host that cannot be reached), each put back before the next.
 */

let lab: TestLab;
const state = () => readLabState(lab.stateDir)!;

async function check(): Promise<{
  code: number | null;
  results: Record<string, CheckResult>;
  stderr: string;
}> {
  const r = await havocChild(['check', '--json', '-i', lab.inventory]);
  let results: Record<string, CheckResult> = {};
  try {
    results = Object.fromEntries(
      (JSON.parse(r.stdout) as { results: CheckResult[] }).results.map((x) => [x.id, x]),
    );
  } catch {
    throw new Error(`havoc check printed no JSON (exit ${r.code}): ${r.stdout}\n${r.stderr}`);
  }
  return { code: r.code, results, stderr: r.stderr };
}

const statusOf = (results: Record<string, CheckResult>) =>
  Object.fromEntries(Object.entries(results).map(([id, r]) => [id, r.status]));

beforeAll(async () => {
  lab = await startTestLab('ck1', {
    hosts: 2,
    ha: { vms: 1, fenceAgent: 'fence_ipmilan', vmAgent: 'virtualdomain' },
  });
}, 300_000);

afterAll(async () => {
  await lab?.down();
}, 90_000);

describe('havoc check on the real HA lab', () => {
  it("healthy: every check passes but the lab's short corosync token (a warning), exit 0", async () => {
    const { code, results } = await check();
    expect(statusOf(results)).toEqual({ ...LAB_CHECK_STATUSES, ...LAB_VM_DRBD_CHECK_STATUSES });
    expect(code).toBe(0);
    // Read from the hosts themselves, not assumed: the versions are the machine's packages.
    expect(results['versions.identical']!.hosts.host1).toMatch(/^pacemaker 2\.\d+\.\d+/);
  });

  it('stonith-enabled=false: critical, exit 1; put back', async () => {
    await setStonithEnabled(state(), false);
    try {
      const { code, results } = await check();
      expect(results['pacemaker.stonith-enabled']!.status).toBe('critical');
      expect(results['pacemaker.stonith-enabled']!.message).toContain('stonith-enabled false');
      expect(code).toBe(1);
    } finally {
      await setStonithEnabled(state(), true);
    }
  });

  it('a cli- constraint left by crm_resource --ban: critical and named; cleared', async () => {
    await crmIn(state(), 'host1', ['crm_resource', '--ban', '--resource', 'vm1', '--node', 'host2']);
    try {
      const { code, results } = await check();
      expect(results['pacemaker.no-cli-constraints']!.status).toBe('critical');
      expect(results['pacemaker.no-cli-constraints']!.message).toContain('cli-ban-vm1-on-host2 (vm1)');
      expect(code).toBe(1);
    } finally {
      await crmIn(state(), 'host1', ['crm_resource', '--clear', '--resource', 'vm1']);
    }
  });

  it('corosync.conf changed on one node (its token): not identical, critical, both versions named', async () => {
    const file = join(clusterHostDirs(state().hosts.host2!.dir).etcCorosync, 'corosync.conf');
    const original = readFileSync(file, 'utf8');
    writeFileSync(file, original.replace(/token: \d+/, 'token: 10000'));
    try {
      const { code, results } = await check();
      expect(results['corosync.conf-identical']!.status).toBe('critical');
      expect(results['corosync.conf-identical']!.message).toMatch(/differs: \w+ on host1 vs \w+ on host2/);
      expect(code).toBe(1);
    } finally {
      writeFileSync(file, original);
    }
  });

  it('a host powered off: its facts are errors (never a pass, never a failure of theirs); the cluster view says it is offline', async () => {
    const host2 = lab.loaded.inventory.hosts.find((h) => h.name === 'host2')!;
    await ipmitoolPower(host2, 'off');
    await waitForCluster(state(), 'host1', 'host2 seen offline', 90_000, (st) =>
      st.nodes.find((n) => n.name === 'host2')?.online === false ? true : undefined,
    );
    const { code, results } = await check();
    expect(results['versions.identical']!.status).toBe('error');
    expect(results['versions.identical']!.hosts.host2).toMatch(/^error: packages: /);
    expect(results['time.synchronised']!.status).toBe('error');
    expect(results['corosync.conf-identical']!.status).toBe('error');
    expect(results['pacemaker.nodes-active']!.status).toBe('critical');
    expect(results['pacemaker.nodes-active']!.message).toContain('host2 offline');
    expect(code).toBe(1);
  });
});
