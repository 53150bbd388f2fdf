import { readFileSync } from 'node:fs';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { Redactor } from '../../core/redact.js';
import { clusterCollectors } from '../../exporters/collectors/cluster.js';
import { fenceTimestampSeconds, renderPacemaker } from '../../exporters/collectors/cluster-pacemaker.js';
import { renderCapacity } from '../../exporters/collectors/ha-readiness.js';
import { runProbe } from '../../exporters/probe.js';
import { parseInventory } from '../../inventory/load.js';
import { type FenceEvent, parseCrmMonXml } from '../../protocols/pacemaker/index.js';
import { createTestCa } from '../support/test-ca.js';
import { healthyXapiAnswers, startXapiServer, type XapiTestServer } from '../support/xapi-server.js';

const pcmk = (name: string) =>
  readFileSync(new URL(`../../protocols/pacemaker/fixtures/${name}`, import.meta.url), 'utf8');

describe('cluster module: Pacemaker', () => {
  it('crm_mon XML with unclean nodes and a failed resource (captured from crm_mon 2.1.5 on ClusterLabs cts stop-failure-with-fencing)', async () => {
    const registry = new Registry();
    renderPacemaker(parseCrmMonXml(pcmk('crm_mon-stop-failure-with-fencing.xml')), 'pcmk-1', registry);
    const text = await registry.metrics();
    expect(text).toContain('havoc_pacemaker_node_unclean{node="pcmk-2"} 1');
    expect(text).toContain('havoc_pacemaker_node_unclean{node="pcmk-1"} 0');
    expect(text).toContain('havoc_pacemaker_node_online{node="pcmk-3"} 0');
    expect(text).toContain('havoc_pacemaker_dc_info{node="pcmk-1"} 1');
    expect(text).toContain('havoc_pacemaker_resource_failed{resource="clvm",node="pcmk-2"} 1');
    expect(text).toMatch(/havoc_pacemaker_resource_info\{resource="clvm",node="pcmk-2",role="\w+"\} 1/);
    expect(text).toContain('havoc_pacemaker_fail_count{resource="clvm",node="pcmk-2"} 1000000');
    expect(text).toContain('havoc_pacemaker_answered_by_info{host="pcmk-1"} 1');
    // Every role is present for every instance (a state set), exactly one of them 1.
    const roles =
      text.match(/^havoc_pacemaker_resource_role\{resource="clvm",node="pcmk-2",state="\w+"\} [01]$/gm) ?? [];
    expect(roles).toHaveLength(8);
    expect(roles.filter((l) => l.endsWith(' 1'))).toHaveLength(1);
  });

  it('last fence per node: the newest completed event wins; its result is the success gauge (events in the fence-event-2.15.rng attribute set, not captured)', async () => {
    const status = parseCrmMonXml(pcmk('crm_mon-dc-fence-ordering.xml'));
    const ev = (target: string, s: FenceEvent['status'], completed?: string): FenceEvent => ({
      target,
      action: 'reboot',
      status: s,
      extendedStatus: undefined,
      exitReason: undefined,
      delegate: 'node1',
      client: 'pacemaker-controld',
      origin: 'node1',
      completed,
    });
    status.fenceHistory = [
      ev('node2', 'failed', '2026-10-05 12:00:00.000001Z'),
      ev('node2', 'success', '2026-10-05 12:02:42.088147Z'),
      ev('node3', 'failed', '2026-10-05 11:00:00Z'),
      ev('node4', 'pending'),
    ];
    const registry = new Registry();
    renderPacemaker(status, 'node1', registry);
    const text = await registry.metrics();
    expect(text).toContain(
      `havoc_pacemaker_last_fence_timestamp_seconds{node="node2"} ${Date.UTC(2026, 9, 5, 12, 2, 42, 88) / 1000}`,
    );
    expect(text).toContain('havoc_pacemaker_last_fence_success{node="node2"} 1');
    expect(text).toContain('havoc_pacemaker_last_fence_success{node="node3"} 0');
    expect(text).toContain('havoc_pacemaker_fence_pending{node="node4"} 1');
    expect(fenceTimestampSeconds('2026-10-05 12:02:42')).toBe(Date.UTC(2026, 9, 5, 12, 2, 42) / 1000);
  });
});

// XAPI cannot run here: a local server speaking its JSON-RPC wire protocol answers with the records of
// protocols/xapi/fixtures (datamodel-*.json: written from the XAPI datamodel, not captured; see their SOURCES.md).
const servers: XapiTestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function xapiReplay(tls?: { key: string; cert: string }): Promise<string> {
  const server = await startXapiServer(healthyXapiAnswers, tls);
  servers.push(server);
  return server.url;
}

describe('cluster module: XAPI pool HA and HA readiness (recorded XAPI datamodel responses)', () => {
  it('pool HA gauges, host liveness, and failures tolerated computed on the live hosts only', async () => {
    const url = await xapiReplay();
    process.env['HAVOC_TEST_XAPI_PASSWORD'] = 'secret';
    const loaded = parseInventory(
      '/test/inventory.yaml',
      [
        'version: 1',
        'cluster: {name: pool1, failuresToTolerate: 1}',
        'hosts:',
        '  - {name: xen1, address: 10.0.0.1, memoryMiB: 8192, vcpus: 8}',
        '  - {name: xen2, address: 10.0.0.2, memoryMiB: 8192, vcpus: 8}',
        'vms:',
        '  - {name: vm1, memoryMiB: 6144, vcpus: 2, homeHost: xen1}',
        '  - {name: vm2, memoryMiB: 6144, vcpus: 2, homeHost: xen2}',
        `haManager: {type: xapi, url: "${url}", user: root, password: {env: HAVOC_TEST_XAPI_PASSWORD}}`,
      ].join('\n'),
      new Redactor(),
    );
    const result = await runProbe({
      target: 'pool1',
      module: 'cluster',
      collectors: clusterCollectors,
      context: { loaded, log: pino({ level: 'silent' }), cache: new Map() },
      deadlineMs: 10_000,
    });
    const text = await result.registry.metrics();
    expect(result.outcomes.map((o) => [o.collector, o.ok])).toEqual([
      ['xapi', true],
      ['ha-readiness', true],
      ['fencing-ready', true],
    ]);
    expect(text).toContain('havoc_xapi_ha_enabled 1');
    expect(text).toContain('havoc_xapi_ha_plan_exists_for 0');
    expect(text).toContain('havoc_xapi_ha_overcommitted 1');
    expect(text).toContain('havoc_xapi_host_live{host="xen2"} 0');
    expect(text).toContain('havoc_xapi_pool_master_info{host="xen1"} 1');
    expect(text).toContain('havoc_ha_host_live{host="xen1"} 1');
    expect(text).toContain('havoc_ha_host_live{host="xen2"} 0');
    // xen1 alone cannot hold both 6 GiB VMs: even the current placement does not fit.
    expect(text).toContain('havoc_ha_failures_tolerated -1');
    expect(text).toContain('havoc_ha_failures_to_tolerate 1');
    // No fencing levels configured: not fenceable.
    expect(text).toContain('havoc_fencing_ready{host="xen1"} 0');
  });

  it('a pool master with its own CA is read over HTTPS with haManager.caFile, and with insecureTls (local XAPI JSON-RPC server, test CA from openssl)', async () => {
    const ca = await createTestCa();
    try {
      const url = await xapiReplay(ca);
      process.env['HAVOC_TEST_XAPI_PASSWORD'] = 'secret';
      const probe = async (tls: string) => {
        const loaded = parseInventory(
          '/test/inventory.yaml',
          [
            'version: 1',
            'cluster: {name: pool1}',
            'hosts:',
            '  - {name: xen1, address: 10.0.0.1, memoryMiB: 8192, vcpus: 8}',
            `haManager: {type: xapi, url: "${url}", user: root, password: {env: HAVOC_TEST_XAPI_PASSWORD}, ${tls}}`,
          ].join('\n'),
          new Redactor(),
        );
        const result = await runProbe({
          target: 'pool1',
          module: 'cluster',
          collectors: clusterCollectors.filter((c) => c.name === 'xapi'),
          context: { loaded, log: pino({ level: 'silent' }), cache: new Map() },
          deadlineMs: 10_000,
        });
        return { outcome: result.outcomes[0], text: await result.registry.metrics() };
      };
      for (const tls of [`caFile: "${ca.caFile}"`, 'insecureTls: true']) {
        const { outcome, text } = await probe(tls);
        expect({ tls, ok: outcome?.ok }).toEqual({ tls, ok: true });
        expect(text).toContain('havoc_xapi_pool_master_info{host="xen1"} 1');
      }
      const wrong = await probe(`caFile: "${ca.otherCaFile}"`);
      expect(wrong.outcome).toMatchObject({ ok: false, reason: 'tls' });
      expect(wrong.text).toContain('havoc_scrape_error{module="cluster",collector="xapi",reason="tls"} 1');
    } finally {
      await ca.remove();
    }
  });
});

describe('HA readiness: the capacity plan as gauges', () => {
  // h4's 16 VMs of 4 GiB do not fit on h1-h3 (22 GiB free each, 5 VMs a host), which the search cannot
  // prove within its budget (test/inventory/preflight.test.ts has the same cluster).
  const yaml = (survivorMiB: number) =>
    [
      'version: 1',
      'cluster: {name: tight, failuresToTolerate: 1, hostReservedMemoryMiB: 0}',
      'hosts:',
      ...['h1', 'h2', 'h3'].map(
        (h) => `  - {name: ${h}, address: ${h}.example, memoryMiB: ${survivorMiB}, vcpus: 32}`,
      ),
      '  - {name: h4, address: h4.example, memoryMiB: 65536, vcpus: 32}',
      'vms:',
      ...Array.from(
        { length: 16 },
        (_, i) => `  - {name: v${i + 1}, memoryMiB: 4096, vcpus: 2, homeHost: h4}`,
      ),
    ].join('\n');
  const render = async (survivorMiB: number) => {
    const { inventory } = parseInventory('/test/inventory.yaml', yaml(survivorMiB), new Redactor());
    const registry = new Registry();
    renderCapacity(inventory, new Set(['h1', 'h2', 'h3', 'h4']), registry);
    return registry.metrics();
  };

  it('an undecided plan publishes no havoc_ha_failures_tolerated, and havoc_ha_capacity_unknown 1', async () => {
    const text = await render(22528);
    expect(text).toContain('havoc_ha_capacity_unknown 1');
    expect(text).not.toMatch(/^havoc_ha_failures_tolerated /m);
    expect(text).toContain('havoc_ha_failures_to_tolerate 1');
  });

  it('a decided plan publishes the number and havoc_ha_capacity_unknown 0', async () => {
    const text = await render(24576);
    expect(text).toContain('havoc_ha_capacity_unknown 0');
    expect(text).toMatch(/^havoc_ha_failures_tolerated 1$/m);
  });
});
