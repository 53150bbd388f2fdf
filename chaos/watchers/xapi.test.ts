import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deadlineSignal, pollUntil } from '../../core/deadline.js';
import { Redactor } from '../../core/redact.js';
import { parseInventory } from '../../inventory/load.js';
import { SshPool } from '../../protocols/ssh/index.js';
import { tempDir } from '../../test/support/temp-dir.js';
import {
  eventXapiAnswers,
  startXapiServer,
  XapiEventPool,
  type XapiTestServer,
} from '../../test/support/xapi-server.js';
import { openTimeline, readTimeline, type Timeline } from '../timeline/index.js';
import type { RunningWatcher } from './watcher.js';
import { watchXapi } from './xapi.js';

/*
 * Against the XAPI test server (no XAPI here): event.from as test/support/
 * xapi-server.ts builds it from XAPI's published API. Object records carry
 * the datamodel's field names (VM power_state, resident_on, is_a_template,
 * is_control_domain; host name_label, enabled, metrics; host_metrics live;
 * pool ha_enabled, master); references and UUIDs are made up.
 */

const H1 = 'OpaqueRef:11111111-2222-4333-8444-555555555555';
const H2 = 'OpaqueRef:66666666-7777-4888-8999-000000000000';
const M1 = 'OpaqueRef:aaaaaaaa-0000-4000-8000-000000000001';
const M2 = 'OpaqueRef:aaaaaaaa-0000-4000-8000-000000000002';
const VM1 = 'OpaqueRef:bbbbbbbb-0000-4000-8000-000000000001';
const VM2 = 'OpaqueRef:bbbbbbbb-0000-4000-8000-000000000002';
const POOL = 'OpaqueRef:cccccccc-0000-4000-8000-000000000001';
const NULL = 'OpaqueRef:NULL';

const vm = (name: string, power: string, residentOn: string, extra: Record<string, unknown> = {}) => ({
  uuid: `uuid-${name}`,
  name_label: name,
  power_state: power,
  resident_on: residentOn,
  is_a_template: false,
  is_control_domain: false,
  ...extra,
});

let pool: XapiEventPool;
let server: XapiTestServer;
let timeline: Timeline;
let watcher: RunningWatcher | undefined;

beforeEach(async () => {
  pool = new XapiEventPool();
  pool.add('pool', POOL, { uuid: 'p', name_label: 'pool1', ha_enabled: true, master: H1 });
  pool.add('host', H1, { uuid: 'h1', name_label: 'xen1', enabled: true, metrics: M1, address: '10.0.0.1' });
  pool.add('host', H2, { uuid: 'h2', name_label: 'xen2', enabled: true, metrics: M2, address: '10.0.0.2' });
  pool.add('host_metrics', M1, { uuid: 'm1', live: true });
  pool.add('host_metrics', M2, { uuid: 'm2', live: true });
  pool.add('VM', VM1, vm('vm1', 'Running', H1));
  pool.add('VM', VM2, vm('vm2', 'Halted', NULL));
  pool.add('VM', 'OpaqueRef:tmpl', vm('vm1', 'Halted', NULL, { is_a_template: true }));
  pool.add(
    'VM',
    'OpaqueRef:dom0',
    vm('Control domain on host: xen1', 'Running', H1, { is_control_domain: true }),
  );
  server = await startXapiServer(eventXapiAnswers(pool));
  timeline = openTimeline(join(tempDir('havoc-xapi-watch-'), 'timeline.jsonl'));
  process.env['HAVOC_TEST_XAPI_PASSWORD'] = 'secret';
  const loaded = parseInventory(
    '/test/inventory.yaml',
    [
      'version: 1',
      'cluster: {name: pool1}',
      'hosts:',
      '  - {name: xen1, address: 10.0.0.1, memoryMiB: 8192, vcpus: 8}',
      '  - {name: xen2, address: 10.0.0.2, memoryMiB: 8192, vcpus: 8}',
      'vms:',
      '  - {name: vm1, memoryMiB: 1024, vcpus: 1, homeHost: xen1}',
      '  - {name: vm2, memoryMiB: 1024, vcpus: 1, homeHost: xen2}',
      `haManager: {type: xapi, url: "${server.url}", user: root, password: {env: HAVOC_TEST_XAPI_PASSWORD}}`,
    ].join('\n'),
    new Redactor(),
  );
  watcher = watchXapi(
    { inventory: loaded.inventory, loaded, ssh: new SshPool(), log: pino({ level: 'silent' }), timeline },
    { pollSeconds: 1, retryMs: 50 },
  );
});

afterEach(async () => {
  await watcher?.stop();
  timeline.close();
  await server.close();
});

/** "subject event fields" of every xapi record so far. */
function written(): string[] {
  timeline.flush();
  return readTimeline(timeline.path).records.flatMap((r) =>
    r.kind === 'watch' ? [`${r.subject} ${r.event} ${JSON.stringify(r.fields)}`] : [],
  );
}

async function until(what: string, pred: (lines: string[]) => boolean): Promise<string[]> {
  return pollUntil(async () => (pred(written()) ? written() : undefined), deadlineSignal(10_000, what), {
    initialMs: 20,
    maxMs: 50,
  }).catch((err: unknown) => {
    throw new Error(`${(err as Error).message}; written:\n${written().join('\n')}`);
  });
}

const via = () => new URL(server.url).host;

describe('XAPI watcher against the XAPI test server (no XAPI here; event.from from the published API)', () => {
  it('writes the whole pool first: reachable, hosts live, vm1 on xen1, vm2 halted, pool HA on; templates and dom0 left out', async () => {
    const lines = await until('first observations', (l) => l.some((x) => x.startsWith('cluster pool ')));
    expect(lines).toEqual([
      'cluster reachability {"reachable":true}',
      `node:xen1 node {"live":true,"enabled":true,"via":"${via()}"}`,
      `node:xen2 node {"live":true,"enabled":true,"via":"${via()}"}`,
      `vm:vm1 placement {"hosts":["xen1"],"role":"Running","failed":false,"resource":"uuid-vm1","via":"${via()}"}`,
      `vm:vm2 placement {"hosts":[],"role":"Halted","failed":false,"resource":"uuid-vm2","via":"${via()}"}`,
      `cluster pool {"haEnabled":true,"master":"xen1","via":"${via()}"}`,
    ]);
  });

  it('follows changes as event.from reports them: xen1 no longer live, vm1 resident on xen2, pool HA off; nothing else is written again', async () => {
    await until('first observations', (l) => l.some((x) => x.startsWith('cluster pool ')));
    const before = written().length;
    pool.mod(M1, { live: false });
    pool.mod(VM1, { resident_on: H2 });
    pool.mod(POOL, { ha_enabled: false });
    const lines = await until('the changes', (l) => l.some((x) => x.includes('"haEnabled":false')));
    expect(lines.slice(before)).toEqual([
      `node:xen1 node {"live":false,"enabled":true,"via":"${via()}"}`,
      `vm:vm1 placement {"hosts":["xen2"],"role":"Running","failed":false,"resource":"uuid-vm1","via":"${via()}"}`,
      `cluster pool {"haEnabled":false,"master":"xen1","via":"${via()}"}`,
    ]);
    // One long poll at a time, each with the token of the last answer.
    const froms = server.calls.filter((c) => c.method === 'event.from');
    expect(froms[0]?.params[2]).toBe('');
    expect(froms.slice(1).every((c) => typeof c.params[2] === 'string' && c.params[2] !== '')).toBe(true);
    expect(froms[0]?.params[1]).toEqual(['vm', 'host', 'host_metrics', 'pool']);
  });

  it('on EVENTS_LOST: unreachable once, then a new session from the whole state, which repeats no unchanged record', async () => {
    await until('first observations', (l) => l.some((x) => x.startsWith('cluster pool ')));
    const before = written().length;
    // Every token handed out so far is lost; the tokens of the next change on are kept.
    pool.oldestToken = pool.generation + 1;
    pool.mod(VM2, { power_state: 'Running', resident_on: H2 });
    const lines = await until('back after EVENTS_LOST', (l) =>
      l.slice(before).some((x) => x === 'cluster reachability {"reachable":true}'),
    );
    const after = lines.slice(before);
    expect(after[0]).toMatch(/^cluster reachability \{"reachable":false,"error":"EVENTS_LOST: /);
    expect(after[1]).toBe('cluster reachability {"reachable":true}');
    await until('vm2 placed', (l) => l.some((x) => x.startsWith('vm:vm2 placement {"hosts":["xen2"]')));
    // The restart from "" re-read every object; only vm2 changed.
    expect(written().slice(before + 2)).toEqual([
      `vm:vm2 placement {"hosts":["xen2"],"role":"Running","failed":false,"resource":"uuid-vm2","via":"${via()}"}`,
    ]);
  });

  it('logs every session out: after stop, as many logouts as logins', async () => {
    await until('first observations', (l) => l.some((x) => x.startsWith('cluster pool ')));
    await watcher?.stop();
    watcher = undefined;
    const count = (m: string) => server.calls.filter((c) => c.method === m).length;
    expect(count('session.login_with_password')).toBeGreaterThan(0);
    expect(count('session.logout')).toBe(count('session.login_with_password'));
  });
});
