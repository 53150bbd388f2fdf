import { expect } from 'vitest';
import { labStateDir } from '../../lab/paths.js';
import { type LabState, readLabState } from '../../lab/state.js';
import type { SuiteResult } from '../../suites/result.js';
import { waitForCluster } from '../lab-ha/ha-peers.js';
import { startTestLab, type TestLab } from './lab-fixture.js';

/** The HA lab the suite tests run on: 3 hosts, 2 VirtualDomain VMs, fence_ipmilan, both VMs Started. */
export async function startSuiteLab(name: string): Promise<{ lab: TestLab; state: LabState }> {
  const lab = await startTestLab(name, {
    hosts: 3,
    volumes: 2,
    ha: { vms: 2, fenceAgent: 'fence_ipmilan', vmAgent: 'virtualdomain' },
    timeoutMs: 300_000,
  });
  const state = readLabState(labStateDir(name))!;
  await waitForCluster(state, 'host1', 'both VMs Started', 120_000, (st) =>
    ['vm1', 'vm2'].every((vm) => st.resources.some((r) => r.id === vm && r.role === 'Started'))
      ? true
      : undefined,
  );
  return { lab, state };
}

/** The result line `havoc --json suite run` ends with. */
export function suiteResultOf(stdout: string): SuiteResult {
  const r = JSON.parse(stdout.trim().split('\n').at(-1)!) as SuiteResult & { type: string };
  expect(r.type).toBe('result');
  return r;
}

/** What a test file measured or saw, printed once at its end. */
export function printMeasured(title: string, measured: Readonly<Record<string, string>>): void {
  console.log(
    `${title}:\n${Object.entries(measured)
      .map(([k, v]) => `  ${k}: ${v}`)
      .join('\n')}`,
  );
}
