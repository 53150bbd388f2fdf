import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hostStandby } from '../../chaos/actions/host-standby.js';
import { liveMigrate } from '../../chaos/actions/live-migrate.js';
import { vmStop } from '../../chaos/actions/vm-stop.js';
import type { FaultContext } from '../../chaos/fault.js';
import { Redactor } from '../../core/redact.js';
import { parseInventory } from '../../inventory/load.js';
import { SshPool } from '../../protocols/ssh/index.js';
import { type XapiPoolState, xapiPool, xapiPoolAnswers } from '../support/xapi-pool.js';
import { startXapiServer, type XapiTestServer } from '../support/xapi-server.js';

/*
 * The XenServer half of the planned actions against the XAPI test server
 * (test/support/xapi-server.ts + xapi-pool.ts, built from XAPI's published
 * wire protocol and API: no XAPI runs here). The example XenServer inventory
 * (examples/xenserver-pool.yaml: hosts xs1, xs2; VMs dc01, sql01) points at it.
 */

const file = join(import.meta.dirname, '..', '..', 'examples', 'xenserver-pool.yaml');
let server: XapiTestServer;
let pool: XapiPoolState;
let ssh: SshPool;

function context(): FaultContext {
  const text = readFileSync(file, 'utf8').replace('url: https://172.20.5.11', `url: ${server.url}`);
  const loaded = parseInventory(file, text, new Redactor());
  return {
    inventory: loaded.inventory,
    inventoryFile: file,
    loaded,
    ssh,
    log: pino({ level: 'silent' }),
    signal: AbortSignal.timeout(10_000),
  };
}

const methods = () => server.calls.map((c) => c.method).filter((m) => !m.startsWith('session.'));
const where = (vm: string) =>
  pool.hosts.find((h) => h.ref === pool.vms.find((v) => v.name === vm)!.residentOn)?.name;

beforeEach(async () => {
  pool = xapiPool(
    ['xs1', 'xs2'],
    [
      { name: 'dc01', on: 'xs1' },
      { name: 'sql01', on: 'xs1' },
    ],
  );
  server = await startXapiServer(xapiPoolAnswers(pool));
  ssh = new SshPool();
});

afterEach(async () => {
  ssh.close();
  await server.close();
});

describe('planned actions on XenServer (XAPI test server, no XAPI here)', () => {
  it('live-migrate resolves the other host, calls VM.pool_migrate live, and sees the VM resident there', async () => {
    const ctx = context();
    const p = await liveMigrate.resolve!({ vm: 'dc01' }, ctx);
    expect(p).toEqual({ vm: 'dc01', from: 'xs1', to: 'xs2' });
    expect(await liveMigrate.refuse(p, ctx)).toEqual([]);
    expect((await liveMigrate.verify(p, ctx)).state).toBe('absent');
    const detail = (await liveMigrate.inject(p, ctx))?.action;
    expect(detail).toMatchObject({ vm: 'dc01', from: 'xs1', to: 'xs2', manager: 'xapi' });
    expect(String((detail as Record<string, unknown>).downtimeSource)).toMatch(/^none: XAPI/);
    const poolMigrate = server.calls.find((c) => c.method === 'VM.pool_migrate')!;
    expect(poolMigrate.params.slice(1)).toEqual(['OpaqueRef:vm-1', 'OpaqueRef:host-2', { live: 'true' }]);
    expect(where('dc01')).toBe('xs2');
    const seen = await liveMigrate.verify(p, ctx);
    expect(seen).toEqual({
      state: 'in-effect',
      evidence: ['XAPI VM dc01: power_state Running, resident_on xs2'],
      leftBehind: [],
    });
    await liveMigrate.revert(p, ctx);
    expect((await liveMigrate.verify(p, ctx)).leftBehind).toEqual([]);
    // Every session logged in was logged out.
    const logins = server.calls.filter((c) => c.method === 'session.login_with_password').length;
    expect(server.calls.filter((c) => c.method === 'session.logout')).toHaveLength(logins);
  });

  it('live-migrate refuses a disabled target host and a VM that runs nowhere, with what is wrong', async () => {
    const ctx = context();
    pool.hosts[1]!.enabled = false;
    expect(await liveMigrate.refuse({ vm: 'dc01', from: 'xs1', to: 'xs2' }, ctx)).toEqual([
      'XAPI host xs2 is disabled (in maintenance)',
    ]);
    pool.vms[0]!.power = 'Halted';
    pool.vms[0]!.residentOn = 'OpaqueRef:NULL';
    await expect(liveMigrate.resolve!({ vm: 'dc01' }, ctx)).rejects.toThrow(
      'dc01 does not run on exactly one host, so it cannot be live-migrated',
    );
    await expect(liveMigrate.resolve!({ vm: 'nosuch' }, ctx)).rejects.toThrow(
      /vm "nosuch" is not in the inventory/,
    );
  });

  it('host-standby disables and evacuates a host (no guest left on it, dom0 not counted); revert enables it', async () => {
    const ctx = context();
    const p = { host: 'xs1' };
    expect(await hostStandby.refuse(p, ctx)).toEqual([]);
    server.calls.length = 0;
    await hostStandby.inject(p, ctx);
    expect(methods()).toEqual(['host.get_all_records', 'host.disable', 'host.evacuate']);
    expect([where('dc01'), where('sql01')]).toEqual(['xs2', 'xs2']);
    expect(await hostStandby.verify(p, ctx)).toEqual({
      state: 'in-effect',
      evidence: ['XAPI host xs1: enabled false, VMs resident: none'],
      leftBehind: ['xs1 disabled'],
    });
    expect(await hostStandby.refuse(p, ctx)).toEqual(['XAPI host xs1 is already disabled']);
    await hostStandby.revert(p, ctx);
    expect(pool.hosts[0]!.enabled).toBe(true);
    expect(await hostStandby.verify(p, ctx)).toMatchObject({ state: 'absent', leftBehind: [] });
    // Idempotent: a second revert (a heal after the run's own) changes nothing and fails nothing.
    await hostStandby.revert(p, ctx);
    expect(pool.hosts[0]!.enabled).toBe(true);
  });

  it('vm-stop cleanly shuts a VM down; revert starts it again; a revert of a stop never done calls nothing that fails', async () => {
    const ctx = context();
    const p = { vm: 'sql01' };
    await vmStop.revert(p, ctx);
    expect(methods()).not.toContain('VM.start');
    expect(await vmStop.refuse(p, ctx)).toEqual([]);
    await vmStop.inject(p, ctx);
    expect(pool.vms[1]!.power).toBe('Halted');
    expect(await vmStop.verify(p, ctx)).toEqual({
      state: 'in-effect',
      evidence: ['XAPI VM sql01: power_state Halted'],
      leftBehind: ['sql01 is Halted'],
    });
    expect(await vmStop.refuse(p, ctx)).toEqual(['XAPI VM sql01 is Halted, not Running']);
    await vmStop.revert(p, ctx);
    const start = server.calls.find((c) => c.method === 'VM.start')!;
    expect(start.params.slice(1)).toEqual(['OpaqueRef:vm-2', false, false]);
    expect(await vmStop.verify(p, ctx)).toMatchObject({ state: 'absent', leftBehind: [] });
  });

  it("reports XAPI's own error for a call the pool refuses (VM_BAD_POWER_STATE), not a stack trace", async () => {
    const ctx = context();
    pool.vms[0]!.power = 'Halted';
    await expect(vmStop.inject({ vm: 'dc01' }, ctx)).rejects.toThrow(
      'XAPI VM.clean_shutdown failed: VM_BAD_POWER_STATE OpaqueRef:vm-1 running halted',
    );
  });
});
