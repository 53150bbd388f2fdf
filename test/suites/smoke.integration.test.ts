import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLedger, unreverted } from '../../chaos/ledger/reader.js';
import type { SuiteResult } from '../../suites/result.js';
import { havocChild, spawnHavoc, waitForFault, waitForState } from '../chaos/chaos-cli.js';
import type { TestLab } from '../support/lab-fixture.js';
import { printMeasured, startSuiteLab, suiteResultOf } from '../support/suite-lab.js';
import { tempDir } from '../support/temp-dir.js';

/*
 * The suite runner on the HA lab (3 hosts, 2 VMs under VirtualDomain,
 * fence_ipmilan through the lab BMCs): the built-in smoke suite end to end
 * with real measured values, then a kill -9 of a suite run in the middle of
 * a step. Timings are recorded and printed, never asserted.
 */
const LAB = 'susmoke';
let lab: TestLab;
let scratch: string;
const measured: Record<string, string> = {};

beforeAll(async () => {
  ({ lab } = await startSuiteLab(LAB));
  scratch = tempDir('havoc-suite-');
}, 360_000);

afterAll(async () => {
  printMeasured('suite runner on the HA lab, measured', measured);
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  await lab?.down();
});

const ledgerOf = (name: string) => join(scratch, name, 'ledger');

describe('havoc suite run on the HA lab', () => {
  it('smoke passes with real measured values: a live migration and a host power-off, every verdict from the timeline', async () => {
    const ledger = ledgerOf('smoke');
    const out = join(scratch, 'smoke-report');
    const started = performance.now();
    const r = await havocChild([
      '-i',
      lab.inventory,
      '--json',
      'suite',
      'run',
      'smoke',
      '--ledger',
      ledger,
      '--out',
      out,
    ]);
    measured['smoke wall time'] = `${((performance.now() - started) / 1000).toFixed(1)} s`;
    const result = suiteResultOf(r.stdout);
    for (const s of result.steps)
      for (const v of s.verdicts)
        measured[`${s.step} ${v.expectation}(${v.subject})`] =
          `${v.status} ${v.measuredMs === undefined ? '' : `${Math.round(v.measuredMs)} ms`}${v.targetMs ? ` / ${v.targetMs} ms` : ''}: ${v.reason}`;
    for (const s of result.steps)
      measured[`${s.step} ${s.name} step duration`] = `${(s.durationMs / 1000).toFixed(1)} s`;
    // Warnings of the watchers (a node that did not answer while powered off) may be logged; errors may not.
    if (r.stderr) measured['smoke stderr'] = r.stderr.trim().split('\n').slice(0, 5).join(' | ');
    expect(r.stderr).not.toMatch(/^havoc: /m);
    expect(result.abortReason).toBeUndefined();
    expect(result.steps.map((s) => [s.fault, s.error])).toEqual([
      ['live-migrate', undefined],
      ['host-power-off', undefined],
    ]);
    for (const s of result.steps)
      for (const v of s.verdicts) expect(v.status, `${s.step} ${v.expectation}: ${v.reason}`).toBe('pass');
    expect(result.outcome).toBe('pass');
    expect(r.code).toBe(0);
    const byName = (step: number, name: string) =>
      result.steps[step]!.verdicts.find((v) => v.expectation === name)!;
    // Measured, not assumed: each timed verdict carries its measurement and the timeline lines it used.
    for (const [step, name] of [
      [0, 'maxServiceDowntime'],
      [0, 'migratedWithin'],
      [1, 'fencedWithin'],
      [1, 'restartedWithin'],
      [1, 'detectedWithin'],
    ] as const) {
      const v = byName(step, name);
      expect(v.measuredMs, name).toBeGreaterThan(0);
      expect(v.evidence.length, name).toBeGreaterThan(0);
    }
    // The power-off hit the host the VM ran on, as the selector said.
    expect(result.steps[1]!.selections['select.host']).toMatch(/^the host running vm[12] -> host[123]$/);
    expect(result.steps[1]!.targets).toEqual([result.steps[1]!.selections['select.host']!.split(' -> ')[1]]);
    // Every fault reverted: nothing left in the ledger; the reports exist and hold the same outcome.
    expect(unreverted(readLedger(ledger))).toEqual([]);
    const journal = JSON.parse(readFileSync(join(out, 'journal.json'), 'utf8')) as SuiteResult;
    expect(journal.outcome).toBe('pass');
    expect(readFileSync(join(out, 'junit.xml'), 'utf8')).toContain('<testsuite');
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('maxServiceDowntime');
    // The runner's own overhead per step: step duration minus what the step waited for (hold, cluster, steady state).
    const events = r.stdout
      .trim()
      .split('\n')
      .slice(0, -1)
      .map(
        (l) =>
          JSON.parse(l) as { type: string; step?: string; phase?: string; elapsedMs?: number; text?: string },
      );
    for (const s of result.steps) {
      const at = (phase: string) =>
        events.find((e) => e.type === 'step' && e.step === s.step && e.phase === phase)?.elapsedMs;
      const note = (prefix: string) =>
        events.find((e) => e.type === 'note' && e.text?.startsWith(`${s.step} ${prefix}`))?.elapsedMs;
      measured[`${s.step} start -> injecting (selection by crm_mon, refusals, guardian, intent)`] =
        `${(note('injecting') ?? 0) - (at('start') ?? 0)} ms`;
      measured[`${s.step} injecting -> injected (the fault's inject and verify)`] =
        `${(at('injected') ?? 0) - (note('injecting') ?? 0)} ms`;
      measured[`${s.step} injected -> reverting (watching until decided, at least the hold)`] =
        `${(note('reverting') ?? 0) - (at('injected') ?? 0)} ms`;
      measured[`${s.step} reverting -> reverted (the fault's revert and verify)`] =
        `${(at('reverted') ?? 0) - (note('reverting') ?? 0)} ms`;
      measured[`${s.step} reverted -> steady (the cluster settling, polled every 2 s)`] =
        `${(at('steady') ?? 0) - (at('reverted') ?? 0)} ms`;
      measured[`${s.step} steady -> end (bookkeeping after the steady state)`] =
        `${(at('end') ?? 0) - (at('steady') ?? 0)} ms`;
    }
  }, 900_000);

  it('kill -9 mid-step: the guardian heals, the next run refuses while the ledger holds the fault, then runs clean', async () => {
    const ledger = ledgerOf('kill');
    const suite = join(scratch, 'migrate.yaml');
    writeFileSync(
      suite,
      `name: migrate-once
steps:
  - name: live migration of vm1
    fault: live-migrate
    params: {vm: vm1}
    hold: 5s
    expect:
      - maxServiceDowntime: {vm: vm1}
      - noDoubleRun: {vm: vm1}
`,
    );
    // The run stops itself once the migration is verified: a run in the middle of its step.
    const run = spawnHavoc(['-i', lab.inventory, 'suite', 'run', suite, '--ledger', ledger], {
      HAVOC_CHAOS_STOP_AFTER: 'verified',
    });
    await waitForState(run.pid!, (s) => s === 'T', 300_000);
    const f = await waitForFault(
      ledger,
      (x) => x.state === 'verified' && x.intended?.guardianPid !== undefined,
    );
    const guardian = f.intended!.guardianPid!;
    // Hold the guardian too, so the refusal below is seen while the fault is still in the ledger.
    process.kill(guardian, 'SIGSTOP');
    run.kill('SIGKILL');
    expect((await run.done).signal).toBe('SIGKILL');
    const refused = await havocChild(['-i', lab.inventory, 'suite', 'run', suite, '--ledger', ledger]);
    expect(refused.code).toBe(6);
    expect(refused.stderr).toMatch(
      /holds 1 fault\(s\) not reverted \(.+, verified\); no suite runs until they are healed: run havoc heal --ledger/,
    );
    const killedAt = performance.now();
    process.kill(guardian, 'SIGCONT');
    await waitForState(guardian, (s) => s === undefined || s === 'Z', 300_000);
    measured['guardian heal after SIGCONT (revert of the live-migrate: its cli- constraint cleared)'] =
      `${((performance.now() - killedAt) / 1000).toFixed(1)} s`;
    const healed = readLedger(ledger).faults.find((x) => x.id === f.id)!;
    expect(healed.state).toBe('reverted');
    expect(healed.history.at(-1)!.by).toMatch(/^guardian-/);
    const clean = await havocChild([
      '-i',
      lab.inventory,
      '--json',
      'suite',
      'run',
      suite,
      '--ledger',
      ledger,
    ]);
    const result = suiteResultOf(clean.stdout);
    for (const v of result.steps[0]!.verdicts)
      measured[`clean run ${v.expectation}`] = `${v.status} ${v.measuredMs ?? ''}: ${v.reason}`;
    expect(result.outcome).toBe('pass');
    expect(clean.code).toBe(0);
    expect(unreverted(readLedger(ledger))).toEqual([]);
  }, 900_000);
});
