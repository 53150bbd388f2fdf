import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../certify/check.js';
import { catalogueFor } from '../../certify/checks/index.js';
import { runLiveChecks } from '../../certify/run-checks.js';
import { Redactor } from '../../core/redact.js';
import { type LoadedInventory, parseInventory } from '../../inventory/load.js';
import { SshPool } from '../../protocols/ssh/index.js';
import { havocChild } from '../chaos/chaos-cli.js';
import { tempDir } from '../support/temp-dir.js';
import { type XapiPoolState, xapiPool, xapiPoolAnswers } from '../support/xapi-pool.js';
import { startXapiServer, type XapiTestServer } from '../support/xapi-server.js';

/*
 * The XenServer checks against the XAPI test server (test/support/xapi-server.ts
 * and xapi-pool.ts, built from XAPI's published wire protocol and datamodel:
 * pool.ha_*, VDI.SR, PBD.currently_attached; no XAPI runs here), with the
 * example XenServer inventory (examples/xenserver-pool.yaml) pointed at it.
 * Its hosts' SSH addresses are never contacted: no check of its catalogue
 * needs SSH (its VMs are XAPI's, it declares no DRBD).
 */

const examples = join(import.meta.dirname, '..', '..', 'examples');
let server: XapiTestServer;
let pool: XapiPoolState;
let ssh: SshPool;

const inventoryText = () =>
  readFileSync(join(examples, 'xenserver-pool.yaml'), 'utf8')
    .replace('url: https://172.20.5.11', `url: ${server.url}`)
    .replaceAll('file: secrets/', `file: ${examples}/secrets/`);

function loaded(): LoadedInventory {
  return parseInventory(join(examples, 'xenserver-pool.yaml'), inventoryText(), new Redactor());
}

async function run(): Promise<Record<string, CheckResult>> {
  const l = loaded();
  const { results } = await runLiveChecks(
    catalogueFor(l.inventory)!,
    l.inventory,
    ssh,
    AbortSignal.timeout(20_000),
    l,
  );
  return Object.fromEntries(results.map((r) => [r.id, r]));
}

beforeEach(async () => {
  pool = xapiPool(
    ['xs1', 'xs2'],
    [
      // The example inventory's VMs with their declared memory.
      { name: 'dc01', on: 'xs1', memoryMiB: 8192 },
      { name: 'sql01', on: 'xs2', memoryMiB: 131072 },
      { name: 'erp01', on: 'xs1', memoryMiB: 65536 },
      { name: 'dc02', on: 'xs2', memoryMiB: 8192 },
      { name: 'test01', on: 'xs1', memoryMiB: 32768 },
    ],
  );
  server = await startXapiServer(xapiPoolAnswers(pool));
  ssh = new SshPool();
});

afterEach(async () => {
  ssh.close();
  await server.close();
});

describe('XenServer pool HA checks over XAPI (test server built from the published XenAPI)', () => {
  it('a healthy pool passes; the VM and DRBD checks are not applicable to it', async () => {
    const r = await run();
    expect(Object.fromEntries(Object.entries(r).map(([id, x]) => [id, x.status]))).toEqual({
      'xapi.ha-enabled': 'passing',
      'xapi.statefile-plugged': 'passing',
      'xapi.failures-tolerated': 'passing',
      'xapi.vm-memory-declared': 'passing',
      'vm.disk-cache': 'not-applicable',
      'vm.cpu-model': 'not-applicable',
      'vm.memory-declared': 'not-applicable',
      'drbd.protocol-c': 'not-applicable',
      'drbd.fencing': 'not-applicable',
      'drbd.dual-primary': 'not-applicable',
    });
    expect(r['xapi.statefile-plugged']!.message).toBe('SR iSCSI heartbeat plugged on xs1, xs2');
    expect(server.calls.map((c) => c.method)).toEqual([
      'session.login_with_password',
      'pool.get_all_records',
      'host.get_all_records',
      'VDI.get_record',
      'SR.get_all_records',
      'PBD.get_all_records',
      'VM.get_all_records',
      'session.logout',
    ]);
  });

  it('HA disabled: critical, and no statefile at all', async () => {
    pool.ha.enabled = false;
    const r = await run();
    expect(r['xapi.ha-enabled']!.status).toBe('critical');
    expect(r['xapi.ha-enabled']!.message).toBe('pool test-pool: ha_enabled false');
    expect(r['xapi.statefile-plugged']!.message).toBe(
      'pool test-pool has no HA statefile (ha_statefiles empty)',
    );
  });

  it('the heartbeat SR unplugged on one host: critical, that host named', async () => {
    pool.ha.statefilePluggedOn = ['xs1'];
    const r = await run();
    expect(r['xapi.statefile-plugged']!.status).toBe('critical');
    expect(r['xapi.statefile-plugged']!.message).toBe('SR iSCSI heartbeat not plugged on xs2');
  });

  it('failures to tolerate 0, or a plan for fewer failures than configured: critical', async () => {
    pool.ha.failuresToTolerate = 0;
    pool.ha.planExistsFor = 0;
    expect((await run())['xapi.failures-tolerated']!.message).toBe(
      'ha_host_failures_to_tolerate 0, at least 1 wanted',
    );
    pool.ha.failuresToTolerate = 1;
    const r = (await run())['xapi.failures-tolerated']!;
    expect(r.status).toBe('critical');
    expect(r.message).toBe('ha_plan_exists_for 0 < 1: the plan does not hold');
  });

  it('a VM with more memory in XAPI than declared: critical; an inventory VM not in the pool: error', async () => {
    pool.vms[1]!.memoryMiB = 196608;
    const r = (await run())['xapi.vm-memory-declared']!;
    expect(r.status).toBe('critical');
    expect(r.message).toBe('sql01: memory_static_max 196608 MiB, 131072 MiB declared');
    pool.vms = pool.vms.filter((v) => v.name !== 'sql01');
    const gone = (await run())['xapi.vm-memory-declared']!;
    expect(gone.status).toBe('error');
    expect(gone.message).toBe(
      'sql01 not in the pool (no such name_label) (within the declared memory: dc01 8192/8192 MiB, erp01 65536/65536 MiB, dc02 8192/8192 MiB, test01 32768/32768 MiB)',
    );
  });

  it('XAPI not answering: every XenServer check is an error (never a pass, never a failure)', async () => {
    await server.close();
    const r = await run();
    for (const id of [
      'xapi.ha-enabled',
      'xapi.statefile-plugged',
      'xapi.failures-tolerated',
      'xapi.vm-memory-declared',
    ]) {
      expect(r[id]!.status).toBe('error');
      expect(r[id]!.message).toMatch(/^XAPI: /);
    }
    server = await startXapiServer(xapiPoolAnswers(pool));
  });

  it('havoc check on the xapi inventory: the XenServer catalogue in --json, exit 1 on a critical', async () => {
    const file = join(tempDir('havoc-xapi-check-'), 'inventory.yaml');
    writeFileSync(file, inventoryText());
    pool.ha.statefilePluggedOn = ['xs2'];
    const r = await havocChild(['check', '--json', file]);
    const results = (JSON.parse(r.stdout) as { results: CheckResult[] }).results;
    expect(results.find((x) => x.id === 'xapi.statefile-plugged')).toMatchObject({
      status: 'critical',
      message: 'SR iSCSI heartbeat not plugged on xs1',
    });
    expect(results.find((x) => x.id === 'xapi.ha-enabled')?.status).toBe('passing');
    expect(r.code).toBe(1);
    pool.ha.statefilePluggedOn = ['xs1', 'xs2'];
    expect((await havocChild(['check', file])).code).toBe(0);
  });
});
