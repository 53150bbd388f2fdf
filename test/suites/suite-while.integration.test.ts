import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLedger, unreverted } from '../../chaos/ledger/reader.js';
import { labStateDir } from '../../lab/paths.js';
import { type LabState, readLabState } from '../../lab/state.js';
import { havocChild } from '../chaos/chaos-cli.js';
import { crmIn, waitForCluster } from '../lab-ha/ha-peers.js';
import { startTestLab, type TestLab } from '../support/lab-fixture.js';
import { printMeasured, suiteResultOf } from '../support/suite-lab.js';
import { tempDir } from '../support/temp-dir.js';

/*
 * A step that holds one fault while another runs (`while`), on the HA lab
 * with fence_havoc as Pacemaker's stonith agent, so the cluster's fencing
 * follows the inventory's two levels (BMC, then the host's storage and data
 * switch ports): the BMC of the host running vm1 made dead, then that host
 * hung. The cluster must fence it through the switch ports and restart vm1
 * elsewhere; the revert brings the BMC back, thaws the host and un-fences
 * its ports, and the steady state (fencing ready on every level included)
 * must hold again.
 */
const LAB = 'suwhl';
let lab: TestLab;
let state: LabState;
let scratch: string;
const measured: Record<string, string> = {};

beforeAll(async () => {
  lab = await startTestLab(LAB, {
    hosts: 3,
    volumes: 2,
    ha: { vms: 2, fenceAgent: 'fence_havoc', vmAgent: 'virtualdomain' },
    timeoutMs: 300_000,
  });
  state = readLabState(labStateDir(LAB))!;
  await waitForCluster(state, 'host1', 'both VMs Started', 120_000, (st) =>
    ['vm1', 'vm2'].every((vm) => st.resources.some((r) => r.id === vm && r.role === 'Started'))
      ? true
      : undefined,
  );
  scratch = tempDir('havoc-suite-while-');
}, 360_000);

afterAll(async () => {
  printMeasured('a host hung while its BMC is dead, on the HA lab with fence_havoc', measured);
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  await lab?.down();
});

describe('a step with a fault held while its own runs (while)', () => {
  it('a host hung while its BMC is dead is fenced through its switch ports, its VM restarted, and everything reverted', async () => {
    const file = join(scratch, 'next-level.yaml');
    writeFileSync(
      file,
      `name: fencing-falls-to-the-next-level
steps:
  - name: the host running vm1 hangs while its BMC is dead
    select:
      host: {runningVm: vm1}
    while:
      - fault: bmc-dead
        targets: [$host]
    fault: host-hang
    targets: [$host]
    hold: 10s
    expect:
      - fencedWithin: {host: $host, targetMs: 90000}
      - restartedWithin: {vm: vm1, targetMs: 150000}
      - noDoubleRun: {vm: vm1}
`,
    );
    const ledger = join(scratch, 'ledger');
    const r = await havocChild(['-i', lab.inventory, '--json', 'suite', 'run', file, '--ledger', ledger]);
    const result = suiteResultOf(r.stdout);
    const step = result.steps[0]!;
    measured['outcome'] = `${result.outcome}${result.abortReason ? ` (${result.abortReason})` : ''}`;
    measured['step'] = `${step.fault} ${step.targets.join(',')} while ${JSON.stringify(step.conditions)}`;
    for (const v of step.verdicts) measured[`${v.expectation}(${v.subject})`] = `${v.status}: ${v.reason}`;
    if (step.error) measured['step error'] = step.error;
    // What the watchers saw of vm1 and of the hosts' reachability, from the injection on: why a verdict failed.
    const lines = readFileSync(result.timeline, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const t0 = BigInt(step.startNs);
    measured['seen'] = lines
      .filter(
        (r) =>
          r.kind === 'step' ||
          (r.kind === 'watch' &&
            (r.subject === 'vm:vm1' || r.event === 'reachability' || r.subject.startsWith('fence:'))),
      )
      .map((r) => {
        const at = (Number(BigInt(r.ns) - t0) / 1e9).toFixed(1);
        return r.kind === 'step'
          ? `${at}s step ${r.phase}`
          : `${at}s ${r.watcher}/${r.event} ${r.subject} ${JSON.stringify(r.fields ?? {})}`;
      })
      .join('\n    ');
    const host = step.targets[0]!;
    expect(step.conditions).toEqual([{ fault: 'bmc-dead', targets: [host], params: {} }]);
    expect(step.verdicts.map((v) => `${v.expectation}:${v.status}`)).toEqual([
      'fencedWithin:pass',
      'restartedWithin:pass',
      'noDoubleRun:pass',
    ]);
    expect(result.outcome, r.stderr).toBe('pass');
    expect(r.code, r.stderr).toBe(0);
    expect(unreverted(readLedger(ledger))).toEqual([]);
    // The fence in the cluster's own history, asked of a node that was not fenced: the fenced one was
    // powered off and booted by the revert, and its fencer may not have the history back yet (a CI run).
    const other = ['host1', 'host2', 'host3'].find((h) => h !== host)!;
    const history = await crmIn(state, other, ['stonith_admin', '--history', host, '--verbose']);
    measured['stonith history'] = history.split('\n').filter(Boolean).slice(-3).join(' | ');
    expect(history).toMatch(/successful/);
  }, 900_000);
});
