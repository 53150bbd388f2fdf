/*
 * bench/capacity: how long the capacity plan takes when its placement search
 * decides quickly and when it runs out of its step budget. The cluster is the
 * one of test/inventory/preflight.test.ts: h4's 16 VMs of 4 GiB onto h1-h3,
 * with 22 GiB free each (no placement exists, undecided within the budget) or
 * 24 GiB (the first placement tried fits). No root, no lab.
 *
 *   node --import tsx bench/capacity/run.ts [--runs 5]
 */
import { stringify } from 'yaml';
import { monotonicMs } from '../../core/deadline.js';
import { Redactor } from '../../core/redact.js';
import { parseInventory } from '../../inventory/load.js';
import { capacityOf, SEARCH_BUDGET } from '../../inventory/preflight/capacity-plan.js';
import { benchArgs, positiveNumber } from '../support/args.js';
import { markdownTable, median } from '../support/stats.js';

const USAGE = 'node --import tsx bench/capacity/run.ts [--runs 5]';
const values = benchArgs(USAGE, { runs: { type: 'string', default: '5' } });
const runs = positiveNumber(values.runs, '--runs', USAGE);

function tightCluster(survivorMiB: number) {
  const host = (name: string, memoryMiB: number) => ({
    name,
    address: `${name}.example`,
    memoryMiB,
    vcpus: 32,
  });
  const doc = {
    version: 1,
    cluster: { name: 'tight', failuresToTolerate: 1, hostReservedMemoryMiB: 0 },
    hosts: [host('h1', survivorMiB), host('h2', survivorMiB), host('h3', survivorMiB), host('h4', 65536)],
    vms: Array.from({ length: 16 }, (_, i) => ({
      name: `v${i + 1}`,
      memoryMiB: 4096,
      vcpus: 2,
      homeHost: 'h4',
    })),
  };
  return parseInventory('/bench/tight.yaml', stringify(doc), new Redactor()).inventory;
}

const rows = [22528, 24576].map((mib) => {
  const inv = tightCluster(mib);
  const times: number[] = [];
  let answer = capacityOf(inv);
  for (let r = 0; r < runs; r++) {
    const started = monotonicMs();
    answer = capacityOf(inv);
    times.push(monotonicMs() - started);
  }
  const verdict = answer.undecided
    ? `undecided (${answer.undecided.steps.toLocaleString('en-US')} steps, budget ${SEARCH_BUDGET.toLocaleString('en-US')} per set)`
    : `tolerates ${answer.tolerated}`;
  return [`${mib / 1024} GiB free on each survivor`, verdict, `${median(times).toFixed(1)} ms`];
});
console.log(markdownTable(['cluster', 'capacity plan', `median of ${runs}`], rows));
