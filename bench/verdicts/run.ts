/*
 * bench/verdicts: what each SLO checker costs on a timeline the size of a
 * long suite run, since the runner recomputes the live verdicts about once a
 * second while it watches a step. The timeline: VMs probed every 10 ms
 * (one record per request, the writer does not fold), one host power-off
 * step with watcher records around it.
 *
 *   node --import tsx bench/verdicts/run.ts [--minutes 15] [--vms 2] [--runs 5]
 */
import { EXPECTATIONS, type ExpectationName } from '../../suites/verdicts/index.js';
import { stepWindows } from '../../suites/verdicts/windows.js';
import { BOOT_A, BOOT_B, TimelineBuilder } from '../../test/support/timeline-builder.js';
import { benchArgs, positiveNumber } from '../support/args.js';
import { markdownTable, median } from '../support/stats.js';

const USAGE = 'node --import tsx bench/verdicts/run.ts [--minutes 15] [--vms 2] [--runs 5]';
const values = benchArgs(USAGE, {
  minutes: { type: 'string', default: '15' },
  vms: { type: 'string', default: '2' },
  runs: { type: 'string', default: '5' },
});
const endMs = positiveNumber(values.minutes, '--minutes', USAGE) * 60_000;
const vms = [...Array(positiveNumber(values.vms, '--vms', USAGE)).keys()].map((i) => `vm${i + 1}`);
const faultMs = endMs - 120_000;

const t = new TimelineBuilder()
  .run(0, 'start')
  .reachability(0, 'pacemaker', true)
  .reachability(0, 'alertmanager', true)
  .node(0, 'host1')
  .faultStep({
    name: 'host-power-off',
    targets: ['host1'],
    startMs: faultMs,
    verifiedMs: faultMs + 500,
    revertedMs: faultMs + 90_000,
    steadyMs: faultMs + 100_000,
    endMs: faultMs + 110_000,
  })
  .node(faultMs + 8000, 'host1', { online: false, unclean: true })
  .fence(faultMs + 20_000, 'host1')
  .alert(faultMs + 30_000, 'HavocHostDown', 'firing', { host: 'host1' })
  .alert(faultMs + 95_000, 'HavocHostDown', 'resolved', { host: 'host1' });
for (const vm of vms) {
  t.placement(0, vm, ['host1']).placement(faultMs + 21_000, vm, ['host2']);
  t.probes(vm, 0, faultMs, { bootId: BOOT_A, counter: (ms) => Math.floor(ms / 100) });
  t.probes(vm, faultMs, faultMs + 25_000, { ok: false });
  t.probes(vm, faultMs + 25_000, endMs, { bootId: BOOT_B, counter: (ms) => Math.floor(ms / 100) });
}
const events = t.events();
const params: Record<ExpectationName, Record<string, unknown>> = {
  restartedWithin: { vm: 'vm1', targetMs: 60_000 },
  maxServiceDowntime: { vm: 'vm1', targetMs: 500 },
  migratedWithin: { vm: 'vm1', targetMs: 60_000 },
  noDoubleRun: { vm: 'vm1' },
  noDataLoss: { vm: 'vm1' },
  fencedWithin: { host: 'host1', targetMs: 60_000 },
  detectedWithin: { host: 'host1', targetMs: 60_000 },
  notFenced: { host: 'host1' },
  notRestarted: { vm: 'vm1' },
  noMigration: { vm: 'vm1' },
  steadyStateRestoredWithin: { targetMs: 60_000 },
  writesResumedWithin: { vm: 'vm1', targetMs: 60_000 },
  alertFiredWithin: { alertname: 'HavocHostDown', targetMs: 60_000 },
  alertResolvedWithin: { alertname: 'HavocHostDown', targetMs: 60_000 },
};
/** CPU time (user + system) of `f` in ms: on a loaded machine the wall time mostly measures the wait for a core. */
const ms = (f: () => unknown) => {
  const start = process.cpuUsage();
  f();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
};
const runs = positiveNumber(values.runs, '--runs', USAGE);
const windowMs: number[] = [];
for (let i = 0; i < runs; i++) windowMs.push(ms(() => stepWindows(events)));
const window = stepWindows(events)[0]!;
const rows = [['stepWindows', '', median(windowMs).toFixed(1)]];
for (const [name, e] of Object.entries(EXPECTATIONS)) {
  const p = e.params.parse(params[name as ExpectationName]);
  const check = e.check as (ev: typeof events, w: typeof window, p: unknown) => { status: string };
  const times: number[] = [];
  let status = '';
  for (let i = 0; i < runs; i++) times.push(ms(() => (status = check(events, window, p).status)));
  rows.push([name, status, median(times).toFixed(1)]);
}
console.log(
  `${events.length} timeline records (${vms.length} VMs at 100 Hz for ${values.minutes} min), median of ${runs} runs`,
);
console.log(markdownTable(['checker', 'verdict', 'CPU ms'], rows));
