import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { readLedger, unreverted } from '../../chaos/ledger/reader.js';
import type { LabState } from '../../lab/state.js';
import type { SuiteResult } from '../../suites/result.js';
import { havocChild } from '../chaos/chaos-cli.js';
import { setStonithEnabled } from '../lab-ha/ha-peers.js';
import type { TestLab } from '../support/lab-fixture.js';
import { printMeasured, startSuiteLab, suiteResultOf } from '../support/suite-lab.js';
import { tempDir } from '../support/temp-dir.js';

/*
 * Controls that must not pass, on the HA lab (3 hosts, 2 VMs): a cluster
 * with fencing switched off (stonith-enabled=false) through a host power-off,
 * and a probe aimed at an address nothing answers.
 */
const LAB = 'suctl';
let lab: TestLab;
let state: LabState;
let scratch: string;
const measured: Record<string, string> = {};

beforeAll(async () => {
  ({ lab, state } = await startSuiteLab(LAB));
  scratch = tempDir('havoc-suite-ctl-');
}, 360_000);

afterAll(async () => {
  printMeasured('suite controls on the HA lab, seen', measured);
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  await lab?.down();
});

function record(prefix: string, result: SuiteResult) {
  measured[`${prefix} outcome`] = `${result.outcome}${result.abortReason ? ` (${result.abortReason})` : ''}`;
  for (const s of result.steps) {
    if (s.error) measured[`${prefix} ${s.step} error`] = s.error;
    for (const v of s.verdicts)
      measured[`${prefix} ${s.step} ${v.expectation}(${v.subject})`] = `${v.status}: ${v.reason}`;
  }
}

describe('suite controls', () => {
  it('with stonith-enabled=false a host power-off fails: the host is not fenced, with the reason', async () => {
    await setStonithEnabled(state, false);
    try {
      const file = join(scratch, 'power-off.yaml');
      writeFileSync(
        file,
        `name: power-off-without-fencing
steps:
  - name: power-off of the host running vm1
    select:
      host: {runningVm: vm1}
    fault: host-power-off
    targets: [$host]
    hold: 10s
    expect:
      - fencedWithin: {host: $host, targetMs: 45000}
      - restartedWithin: {vm: vm1, targetMs: 60000}
`,
      );
      const ledger = join(scratch, 'nofence', 'ledger');
      const r = await havocChild(['-i', lab.inventory, '--json', 'suite', 'run', file, '--ledger', ledger]);
      const result = suiteResultOf(r.stdout);
      record('stonith-enabled=false', result);
      const fenced = result.steps[0]!.verdicts.find((v) => v.expectation === 'fencedWithin')!;
      expect(fenced.status).toBe('fail');
      expect(fenced.reason).toMatch(/fence/);
      expect(result.outcome).not.toBe('pass');
      expect(r.code).not.toBe(0);
      expect(unreverted(readLedger(ledger))).toEqual([]);
    } finally {
      await setStonithEnabled(state, true);
    }
  }, 900_000);

  it('a probe aimed at an address nothing answers makes its verdicts inconclusive, never pass', async () => {
    const inv = parse(readFileSync(lab.inventory, 'utf8'));
    // An address on vm1's own lab network that nothing holds (ARP goes unanswered): the requests stay in the
    // lab and go unanswered; an address outside the lab's subnets could leave the machine by its default route.
    inv.vms[0].probe.address = String(inv.vms[0].probe.address).replace(/\.\d+$/, '.250');
    const invFile = join(scratch, 'unanswered.yaml');
    writeFileSync(invFile, stringify(inv));
    const file = join(scratch, 'migrate.yaml');
    writeFileSync(
      file,
      `name: migrate-unprobed
steadyState:
  checks: [nodesOnline, haVmsRunning, noFailedResources, ledgerEmpty]
steps:
  - name: live migration of vm1
    fault: live-migrate
    params: {vm: vm1}
    hold: 5s
    expect:
      - maxServiceDowntime: {vm: vm1, targetMs: 3000}
      - noDataLoss: {vm: vm1}
`,
    );
    const ledger = join(scratch, 'unanswered', 'ledger');
    const r = await havocChild(['-i', invFile, '--json', 'suite', 'run', file, '--ledger', ledger]);
    const result = suiteResultOf(r.stdout);
    record('unanswered probe', result);
    const verdicts = result.steps[0]!.verdicts;
    expect(verdicts.map((v) => v.status)).toEqual(['inconclusive', 'inconclusive']);
    expect(result.outcome).toBe('inconclusive');
    expect(r.code).toBe(5);
    expect(unreverted(readLedger(ledger))).toEqual([]);
  }, 900_000);
});
