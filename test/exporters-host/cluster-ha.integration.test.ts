import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deadlineSignal, pollUntil } from '../../core/deadline.js';
import { clusterCollectors } from '../../exporters/collectors/cluster.js';
import { sshPoolOf } from '../../exporters/collectors/host-ssh.js';
import { runProbe } from '../../exporters/probe.js';
import type { LoadedInventory } from '../../inventory/load.js';
import { sshLoginOfHaNode } from '../../inventory/ssh-login.js';
import { readCrmMon, sshCrmMonRunner } from '../../protocols/pacemaker/index.js';
import { ipmitoolPower } from '../lab/ipmitool-peer.js';
import { startTestLab, type TestLab } from '../support/lab-fixture.js';

/*
 * The cluster module against the HA lab: corosync + Pacemaker on two lab
 * hosts with fence_ipmilan through each host's ipmi_sim BMC. crm_mon runs on
 * the hosts over SSH. Power host1 off through its BMC: Pacemaker on host2
 * sees it unclean and fences it, and the fence shows up in the history.
 */

const LAB = 'hx2';
let _dir: string;
let loaded: LoadedInventory;
const cache = new Map<string, unknown>();
const log = pino({ level: 'silent' });

async function clusterProbe(collectors = clusterCollectors) {
  const result = await runProbe({
    target: loaded.inventory.cluster.name,
    module: 'cluster',
    collectors,
    context: { loaded, log, cache },
    deadlineMs: 10_000,
  });
  return { ...result, text: await result.registry.metrics() };
}

let lab: TestLab;

beforeAll(async () => {
  lab = await startTestLab(LAB, { ha: { vms: 0, fenceAgent: 'fence_ipmilan' }, timeoutMs: 200_000 });
  _dir = lab.stateDir;
  loaded = lab.loaded;
});

afterAll(async () => {
  if (loaded) sshPoolOf({ loaded, log, cache, signal: AbortSignal.timeout(1) }).close();
  await lab?.down();
});

describe('cluster module against the HA lab (real corosync, Pacemaker, fence_ipmilan, ipmi_sim)', () => {
  it('reports both nodes online; after host1 loses power it goes unclean, then its fence appears in the history', async () => {
    let last = 'no probe finished';
    const before = await pollUntil(
      async () => {
        const p = await clusterProbe();
        last = JSON.stringify(p.outcomes.filter((o) => !o.ok));
        return p.up && p.text.includes('havoc_pacemaker_node_online{node="host2"} 1') ? p : undefined;
      },
      deadlineSignal(60_000, 'both nodes online in crm_mon'),
      { initialMs: 200, maxMs: 1000 },
    ).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}; collectors that failed in the last probe: ${last}`);
    });
    expect(before.text).toContain('havoc_pacemaker_node_online{node="host1"} 1');
    expect(before.text).toContain('havoc_pacemaker_quorate 1');
    expect(before.text).toContain('havoc_ha_live_hosts_source_info{source="pacemaker"} 1');
    expect(before.text).not.toMatch(/havoc_pacemaker_last_fence_success\{node="host1"\}/);

    // host1 is the node a two-node lab fences with a delay (pcmk_delay_base, against fence races), so it
    // stays unclean for several seconds before the fence: long enough to be seen by any scrape. crm_mon is
    // asked on host2 only, the survivor.
    loaded.inventory.haManager = { type: 'pacemaker', via: ['host2'] };
    await ipmitoolPower(loaded.inventory.hosts[0]!, 'off');
    let sawUnclean = false;
    // Only the Pacemaker collector while polling: the unclean window lasts from corosync noticing the loss
    // until the fence completes, a few seconds that a full probe (fencing readiness of every host) can miss.
    const pacemakerOnly = clusterCollectors.filter((c) => c.name === 'pacemaker');
    expect(pacemakerOnly).toHaveLength(1);
    await pollUntil(
      async () => {
        const p = await clusterProbe(pacemakerOnly);
        if (p.text.includes('havoc_pacemaker_node_unclean{node="host1"} 1')) sawUnclean = true;
        return /havoc_pacemaker_last_fence_success\{node="host1"\} 1/.test(p.text) ? p : undefined;
      },
      deadlineSignal(120_000, 'host1 fenced in the stonith history'),
      { initialMs: 100, maxMs: 300 },
    );
    expect(sawUnclean).toBe(true);
    const after = await clusterProbe();
    expect(after.text).toMatch(/havoc_pacemaker_last_fence_timestamp_seconds\{node="host1"\} \d+/);
    expect(after.text).toContain('havoc_ha_host_live{host="host2"} 1');

    // The one crm_mon reader over the exporter's SSH: host1 is off, so it is tried first, fails, and host2 answers.
    const reading = await readCrmMon(
      ['host1', 'host2'],
      sshCrmMonRunner(sshPoolOf({ loaded, log, cache, signal: AbortSignal.timeout(60_000) }), (node) =>
        sshLoginOfHaNode(loaded.inventory, node),
      ),
      {
        signal: deadlineSignal(60_000, 'crm_mon on host1, then host2'),
        perNodeMs: 10_000,
      },
    );
    expect(reading.node).toBe('host2');
    expect(reading.failures.map((f) => f.node)).toEqual(['host1']);
    expect(reading.failures[0]?.reason).toMatch(/host1/);
    expect(reading.status.nodes.find((n) => n.name === 'host1')?.online).toBe(false);
  });
});
