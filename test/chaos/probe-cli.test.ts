import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { readTimeline } from '../../chaos/timeline/index.js';
import { havoc } from '../cli/run.js';
import { inventory, vm } from '../inventory/build.js';
import { type GuestPage, serveGuestPage } from '../support/guest-page-server.js';
import { tempDir } from '../support/temp-dir.js';

/*
 * `havoc probe` against a real HTTP server on loopback that answers like the
 * lab guest, and against a port nobody listens on.
 */

let dir: string;
let page: GuestPage;
let file: string;

beforeAll(async () => {
  page = await serveGuestPage('127.0.0.1');
  dir = tempDir('havoc-probe-cli-');
  file = join(dir, 'inventory.yaml');
  // A port that was just free: nothing listens there, so connections are refused.
  const closed = await serveGuestPage('127.0.0.1');
  await closed.close();
  writeFileSync(
    file,
    stringify(
      inventory({
        vms: [
          vm('web', 'h1', 1024, { probe: { type: 'http', address: '127.0.0.1', port: page.port } }),
          vm('gone', 'h1', 1024, { probe: { type: 'tcp', address: '127.0.0.1', port: closed.port } }),
          vm('bare', 'h1', 1024, { probe: undefined }),
        ],
      }),
    ),
  );
});

afterAll(async () => {
  await page.close();
  rmSync(dir, { recursive: true, force: true });
});

const env = { HAVOC_TEST_BMC: 'x', HAVOC_TEST_COMMUNITY: 'x' };

describe('havoc probe', () => {
  it('streams one JSON line per sample with the guest fields, then a summary; exit 0 when it always answered', async () => {
    const out = join(dir, 'samples.jsonl');
    const r = await havoc(
      ['--json', 'probe', 'web', '--inventory', file, '--for', '300ms', '--out', out],
      env,
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const summary = lines.pop();
    expect(lines.length).toBeGreaterThan(5);
    for (const s of lines) {
      expect(s).toMatchObject({ kind: 'probe', probe: 'web', ok: true, fields: { bootId: page.bootId } });
      expect(BigInt(s.answeredNs)).toBeGreaterThan(BigInt(s.sentNs));
    }
    expect(summary).toMatchObject({ kind: 'probe-summary', probe: 'web', requests: lines.length, failed: 0 });
    expect(summary.outages).toEqual([]);
    // The timeline got the same samples (runs of equal results folded into one record), between its run records.
    const timeline = readTimeline(out);
    expect(timeline.records[0]).toMatchObject({ kind: 'run', phase: 'start' });
    expect(timeline.records.at(-1)).toMatchObject({ kind: 'run', phase: 'end' });
    const recorded = timeline.records.filter((r) => r.kind === 'probe');
    expect(recorded.reduce((n, r) => n + (r.kind === 'probe' ? (r.count ?? 1) : 0), 0)).toBe(lines.length);
    expect(recorded[0]).toMatchObject({ probe: 'web', ok: true, sentNs: lines[0].sentNs });
  });

  it('exits 1 and names the error when the service refuses connections', async () => {
    const r = await havoc(['probe', 'gone', '--inventory', file, '--for', '200ms'], env);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/gone: \d+ requests, \d+ failed, 1 outage\(s\)/);
    expect(r.stdout).toMatch(/ECONNREFUSED/);
  });

  it('refuses a bad duration, an unknown VM and a VM without a probe, naming what is wrong', async () => {
    const bad = await havoc(['probe', 'web', '--inventory', file, '--interval', 'fast'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--interval takes a duration like 10ms, 30s or 2m, not "fast"/);
    const unknown = await havoc(['probe', 'nope', '--inventory', file], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no VM "nope" .*one of web, gone, bare/);
    const bare = await havoc(['probe', 'bare', '--inventory', file], env);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toMatch(/VM "bare" has no probe/);
  });
});
