import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ledgerDirFor, timelineDirFor } from '../../cli/chaos-paths.js';
import { tempDir } from '../support/temp-dir.js';
import { havoc } from './run.js';

const example = join(import.meta.dirname, '..', '..', 'examples', 'pacemaker-kvm.yaml');
let dir: string;
beforeEach(() => {
  dir = tempDir('havoc-chaos-cli-');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('havoc chaos / heal command line', () => {
  it('lists the faults, as a table and as JSON', async () => {
    const r = await havoc(['chaos', 'list', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).map((f: { name: string }) => f.name)).toContain('network-partition');
  });

  it('names an unknown fault and the ones that exist (usage error, nothing written)', async () => {
    const ledger = join(dir, 'ledger');
    const r = await havoc(['-i', example, 'chaos', 'inject', 'disk-melt', 'node1', '--ledger', ledger]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no fault or action "disk-melt": one of network-partition');
    expect(r.stderr).toContain('live-migrate, host-standby, vm-stop');
    expect(existsSync(ledger)).toBe(false);
  });

  it('rejects a bad duration and a maximum shorter than the hold', async () => {
    const base = ['-i', example, 'chaos', 'inject', 'network-partition', 'node1', '-p', 'network=heartbeat'];
    const bad = await havoc([...base, '--for', 'soon', '--ledger', dir]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--for takes a duration such as 500ms, 5s, 2m or 1h, not "soon"');
    const short = await havoc([...base, '--for', '10s', '--max-duration', '5s', '--ledger', dir]);
    expect(short.code).toBe(2);
    expect(short.stderr).toContain('--max-duration (5000 ms) is shorter than --for (10000 ms)');
  });

  it('--probe names a VM of the inventory with a probe, before anything is written', async () => {
    const ledger = join(dir, 'ledger');
    const base = ['-i', example, 'chaos', 'inject', 'network-partition', 'node1', '-p', 'network=heartbeat'];
    const unknown = await havoc([...base, '--ledger', ledger, '--probe', 'db99']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('--probe: no VM "db99" in');
    expect(unknown.stderr).toContain('one of db01, web01, batch01');
    expect(existsSync(ledger)).toBe(false);
  });

  it('heals an empty ledger with exit 0 and records nothing (only the lock file exists)', async () => {
    const ledger = join(dir, 'ledger');
    const r = await havoc(['heal', '--ledger', ledger, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ ledgerDir: ledger, healed: [], failed: [], corrupt: [] });
    expect(readdirSync(ledger)).toEqual(['heal.lock']);
  });
});

describe('where the ledger goes', () => {
  it('--ledger, then $HAVOC_LEDGER_DIR, then beside a lab, then /var/lib/havoc/ledger', () => {
    const env = { HAVOC_LAB_DIR: '/srv/labs' };
    expect(ledgerDirFor('/x/l', '/srv/labs/a/inventory.yaml', env)).toBe('/x/l');
    expect(ledgerDirFor(undefined, '/srv/labs/a/inventory.yaml', { ...env, HAVOC_LEDGER_DIR: '/y' })).toBe(
      '/y',
    );
    expect(ledgerDirFor(undefined, '/srv/labs/a/inventory.yaml', env)).toBe('/srv/labs/a/ledger');
    expect(ledgerDirFor(undefined, '/etc/havoc/cluster.yaml', env)).toBe('/var/lib/havoc/ledger');
    expect(timelineDirFor(undefined, '/srv/labs/a/ledger')).toBe('/srv/labs/a/timelines');
  });
});
