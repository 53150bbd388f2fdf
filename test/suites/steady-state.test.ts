import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openLedger } from '../../chaos/ledger/writer.js';
import { ProbeStates } from '../../chaos/probes/probe-state.js';
import { Redactor } from '../../core/redact.js';
import type { Inventory } from '../../inventory/schema.js';
import { parseCrmMonXml } from '../../protocols/pacemaker/index.js';
import { haVmsAnswering } from '../../suites/steady-state/ha-vms-answering.js';
import { haVmsRunning } from '../../suites/steady-state/ha-vms-running.js';
import { evaluateSteadyState, type SteadyContext } from '../../suites/steady-state/index.js';
import { ledgerEmpty } from '../../suites/steady-state/ledger-empty.js';
import { nodesOnline } from '../../suites/steady-state/nodes-online.js';
import { tempDir } from '../support/temp-dir.js';

// crm_mon XML captured on the HA lab (test/lab-ha/fixtures/SOURCES.md): all running, and host3 fenced off.
const fixture = (name: string) =>
  parseCrmMonXml(readFileSync(join(import.meta.dirname, '..', 'lab-ha', 'fixtures', name), 'utf8'));
const RUNNING = fixture('crm_mon-ha-lab-running.xml');
const AFTER_FENCE = fixture('crm_mon-ha-lab-after-fence.xml');

const inventory = {
  hosts: ['host1', 'host2', 'host3'].map((name) => ({ name })),
  vms: [
    { name: 'vm1', haPriority: 'restart', probe: { type: 'http', address: '198.19.99.101' } },
    { name: 'vm2', haPriority: 'restart', probe: { type: 'http', address: '198.19.99.102' } },
  ],
} as unknown as Inventory;

let dir: string;
beforeEach(() => {
  dir = tempDir('havoc-steady-');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function ctx(status: ReturnType<typeof parseCrmMonXml>, probes = new ProbeStates()): SteadyContext {
  return {
    inventory,
    cluster: async () => status,
    probes,
    freshNs: 2_000_000_000n,
    fault: undefined as never,
    ledgerDir: join(dir, 'ledger'),
  };
}

const now = () => process.hrtime.bigint();

describe('steady-state checks', () => {
  it('nodesOnline and haVmsRunning hold on the running lab and name what is wrong after a fence', async () => {
    expect(await nodesOnline.check(ctx(RUNNING))).toEqual({ ok: true, reason: '3 node(s) online' });
    expect((await haVmsRunning.check(ctx(RUNNING))).ok).toBe(true);
    expect(await nodesOnline.check(ctx(AFTER_FENCE))).toEqual({ ok: false, reason: 'host3 is offline' });
  });

  it('a cluster no node answers is a failed check with the reason, never a pass', async () => {
    const down: SteadyContext = {
      ...ctx(RUNNING),
      cluster: () => Promise.reject(new Error('host1: connection refused')),
    };
    expect(await nodesOnline.check(down)).toEqual({
      ok: false,
      reason: 'no cluster node answered crm_mon: host1: connection refused',
    });
  });

  it('haVmsAnswering needs a fresh answered sample of every HA VM', async () => {
    const probes = new ProbeStates();
    expect(await haVmsAnswering.check(ctx(RUNNING, probes))).toEqual({
      ok: false,
      reason: 'vm1: no probe answer yet; vm2: no probe answer yet',
    });
    probes.take({ probe: 'vm1', sentNs: String(now()), ok: true, fields: { bootId: 'a' } });
    probes.take({ probe: 'vm2', sentNs: String(now()), ok: false, error: 'no answer within 500 ms' });
    expect(await haVmsAnswering.check(ctx(RUNNING, probes))).toEqual({
      ok: false,
      reason: 'vm2 does not answer its probe (no answer within 500 ms)',
    });
    probes.take({ probe: 'vm2', sentNs: String(now()), ok: true });
    expect((await haVmsAnswering.check(ctx(RUNNING, probes))).ok).toBe(true);
    const stale = new ProbeStates();
    stale.take({ probe: 'vm1', sentNs: String(now() - 5_000_000_000n), ok: true });
    stale.take({ probe: 'vm2', sentNs: String(now()), ok: true });
    expect((await haVmsAnswering.check(ctx(RUNNING, stale))).reason).toMatch(
      /^vm1: no probe sample for \d+ ms$/,
    );
  });

  it('ledgerEmpty fails while a fault is not reverted, and holds once it is', async () => {
    expect((await ledgerEmpty.check(ctx(RUNNING))).ok).toBe(true);
    const ledger = openLedger(join(dir, 'ledger'), 'run-1', new Redactor());
    const about = {
      summary: 'power off host2 through its BMC',
      targets: ['host2'],
      revert: 'power on',
      secretRefs: [],
    };
    const requester = { user: 'root', uid: 0, pid: 1, host: 'station', command: 'test' };
    ledger.record({
      fault: 'run-1/1',
      state: 'intended',
      name: 'host-power-off',
      params: { host: 'host2' },
      description: about,
      maxDurationMs: 60_000,
      inventory: '/x.yaml',
      requester,
    });
    const open = await ledgerEmpty.check(ctx(RUNNING));
    expect(open.ok).toBe(false);
    expect(open.reason).toMatch(
      /holds 1 fault\(s\) not reverted: run-1\/1 power off host2 through its BMC \(intended\)/,
    );
    ledger.record({ fault: 'run-1/1', state: 'reverted' });
    ledger.close();
    expect((await ledgerEmpty.check(ctx(RUNNING))).ok).toBe(true);
  });

  it('evaluates the checks together on one crm_mon reading and reports each', async () => {
    let reads = 0;
    const c = ctx(AFTER_FENCE);
    const r = await evaluateSteadyState([nodesOnline, haVmsRunning], {
      ...c,
      readCluster: async () => {
        reads++;
        return AFTER_FENCE;
      },
    });
    expect(reads).toBe(1);
    expect(r.ok).toBe(false);
    expect(r.results.map((x) => [x.check, x.ok])).toEqual([
      ['nodesOnline', false],
      ['haVmsRunning', true],
    ]);
  });
});
