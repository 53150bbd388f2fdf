import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../support/temp-dir.js';
import { BOOT_A, BOOT_B, TimelineBuilder } from '../support/timeline-builder.js';
import { havoc } from './run.js';

/*
 * `havoc timeline show` on a built timeline file: host1 powered off, vm1
 * restarted on host2 (its probe records folded), vm2 untouched.
 */

let file: string;
beforeEach(() => {
  const t = new TimelineBuilder()
    .run(0, 'start')
    .reachability(0, 'pacemaker', true)
    .placement(0, 'vm1', ['host1'])
    .faultStep({
      name: 'host-power-off',
      stepName: 'power off host1',
      targets: ['host1'],
      startMs: 1000,
      verifiedMs: 1500,
      revertedMs: 40_000,
      steadyMs: 45_000,
      endMs: 46_000,
    })
    .node(9000, 'host1', { online: false, unclean: true })
    .fence(20_000, 'host1')
    .placement(21_000, 'vm1', ['host2'])
    .fold('vm1', 0, 1000, { bootId: BOOT_A, counter: 3 })
    .fold('vm1', 1000, 20_000, { ok: false, error: 'connect EHOSTUNREACH' })
    .fold('vm1', 20_000, 46_000, { bootId: BOOT_B, counter: 4 })
    .probes('vm2', 0, 46_000, { bootId: BOOT_C_ID, every: 1000 })
    .run(46_000, 'end');
  file = t.write(join(tempDir('havoc-timeline-cli-'), 'run.jsonl'));
});

const BOOT_C_ID = 'cccccccc-cccc-4ccc-8ccc-cccccccccccc';

describe('havoc timeline show', () => {
  it('tells the run: steps, every ledger change with its line and time from the start, watcher events, per probe summaries', async () => {
    const r = await havoc(['timeline', 'show', file]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = r.stdout;
    expect(out).toContain(`${file}: `);
    expect(out).toContain(
      '  1.1 power off host1: start +1.000 s, injected +1.500 s, reverted +40.000 s, steady +45.000 s, end +46.000 s [f1]',
    );
    expect(out).toMatch(/\n\s+\d+\s+\+1\.500 s {2}fault f1 host-power-off host1: verified\n/);
    expect(out).toMatch(/\+40\.000 s {2}fault f1 host-power-off host1: reverted\n/);
    expect(out).toMatch(
      /\+20\.000 s {2}pacemaker\/fence fence:host1 target=host1 action=reboot status=success/,
    );
    expect(out).toContain(
      '  vm1: 4600 requests from +0.000 s to +45.990 s, 1900 failed, 1 outage(s), longest 19.000 s, unavailable 19.000 s',
    );
    expect(out).toContain('    outage at +1.000 s: 19.000 s, 1900 failed request(s): connect EHOSTUNREACH');
    expect(out).toContain(`    restart at +20.000 s: boot id ${BOOT_A} -> ${BOOT_B}`);
    expect(out).toContain('  vm2: 46 requests from +0.000 s to +45.000 s, 0 failed, 0 outage(s)');
    expect(out).not.toMatch(/ probe vm1 /); // samples are summarized unless asked for
  });

  it('gives the same as JSON: records with line and atMs, step windows, probe measurements', async () => {
    const r = await havoc(['--json', 'timeline', 'show', file]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.steps).toEqual([
      expect.objectContaining({
        step: '1.1',
        name: 'power off host1',
        faults: ['f1'],
        injectedNs: '5001500000000',
      }),
    ]);
    const verified = j.shown.find((s: { record: { state?: string } }) => s.record.state === 'verified');
    expect(verified).toMatchObject({ atMs: 1500, record: { kind: 'ledger', fault: 'f1' } });
    expect(typeof verified.line).toBe('number');
    const vm1 = j.probes.find((p: { probe: string }) => p.probe === 'vm1');
    expect(vm1).toMatchObject({ requests: 4600, failed: 1900, longestOutageNs: '19000000000' });
    expect(vm1.bootIdChanges).toEqual([{ from: BOOT_A, to: BOOT_B, atNs: '5020000000000' }]);
  });

  it('filters by probe and kind; --kind probe lists the samples, a fold with its count', async () => {
    const r = await havoc(['timeline', 'show', file, '--probe', 'vm1', '--kind', 'probe']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /\+1\.000 s {2}probe vm1 FAILED connect EHOSTUNREACH \(1900 requests to \+19\.990 s\)/,
    );
    expect(r.stdout).not.toContain('vm2');
    expect(r.stdout).not.toContain('fault f1');
    expect(r.stdout).not.toContain('\nsteps\n');
    const ledger = await havoc(['timeline', 'show', file, '--kind', 'ledger,step']);
    expect(ledger.stdout).toContain('fault f1 host-power-off host1: intended');
    expect(ledger.stdout).not.toContain('pacemaker/');
    expect(ledger.stdout).not.toContain('\nprobes\n');
  });

  it('says a torn last line was left out, and exits 0', async () => {
    appendFileSync(file, '{"v":1,"ns":"12","wall":"2026-');
    const r = await havoc(['timeline', 'show', file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/line \d+ is torn \(its writer died mid-line\) and was left out/);
  });

  it('exits 3 for a corrupt line, naming file:line, and for a file it cannot read', async () => {
    appendFileSync(
      file,
      '{"v":1,"kind":"probe","probe":"vm1"}\n{"v":1,"kind":"run","run":"r","phase":"end","ns":"1","wall":"2026-12-01T12:00:00.000Z"}\n',
    );
    const corrupt = await havoc(['timeline', 'show', file]);
    expect(corrupt.code).toBe(3);
    expect(corrupt.stderr).toMatch(new RegExp(`^havoc: ${file}:\\d+: ns: `));
    expect(corrupt.stdout).toBe('');
    const missing = await havoc(['timeline', 'show', `${file}.nope`]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain(`cannot read timeline ${file}.nope: ENOENT`);
  });

  it('exits 2 for an unknown kind or a probe the timeline does not hold, naming what exists', async () => {
    const kind = await havoc(['timeline', 'show', file, '--kind', 'probes']);
    expect(kind.code).toBe(2);
    expect(kind.stderr).toContain(
      '--kind probes: no such kind of record: one of run, step, ledger, action, watch, probe',
    );
    const probe = await havoc(['timeline', 'show', file, '--probe', 'vm9']);
    expect(probe.code).toBe(2);
    expect(probe.stderr).toContain('--probe vm9: no samples of that probe in');
    expect(probe.stderr).toContain('probes in it: vm1, vm2');
  });

  it('has --help', async () => {
    const r = await havoc(['timeline', 'show', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--probe <vm>');
  });
});
