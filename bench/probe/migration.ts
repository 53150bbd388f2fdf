/**
 * The live-migration half of the probe benchmark: for the same live
 * migration (`havoc chaos inject live-migrate`, Pacemaker crm_resource --move
 * of a VirtualDomain VM, libvirt to libvirt), in one run, each with the
 * outage it measures:
 *   - havoc's probe, http every 10 ms open loop, real-time prober process
 *     (chaos/probes): longest outage;
 *   - `ping -i 0.2` (what users do): lost replies x 0.2 s;
 *   - an HTTP GET every 200 ms (OpenStack Tempest's NetDowntimeMeter
 *     method): failed polls x 0.2 s;
 * side by side with libvirt's own "Total downtime" of that migration
 * (`virsh domjobinfo --completed` on the target, from the action's done
 * record). Recorded and compared, never asserted: there is no ground truth
 * here, only four views of one event.
 * Before each migration a 3 s window without one counts what each method
 * fails at steady state: the lab guest's busybox httpd forks a process per
 * connection under TCG, and a probe rate it cannot serve shows there, not as
 * migration downtime.
 * Run as root: node --import tsx bench/probe/migration.ts [--runs N] [--interval MS]
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InjectReport } from '../../chaos/inject.js';
import { measureProbe } from '../../chaos/probes/measure.js';
import { startProber } from '../../chaos/probes/prober-process.js';
import type { ProbeSample } from '../../chaos/probes/sample.js';
import { pollUntil } from '../../core/deadline.js';
import { Redactor } from '../../core/redact.js';
import { loadInventory } from '../../inventory/load.js';
import { labDown } from '../../lab/down.js';
import { labUp } from '../../lab/up.js';
import { benchArgs, positiveNumber } from '../support/args.js';
import { fmtMs, markdownTable, median } from '../support/stats.js';
import { pingUser, poller200 } from './user-methods.js';

const LAB = 'acprobe';
const env = process.env;
const HAVOC = join(import.meta.dirname, '..', '..', 'cli', 'havoc.ts');

function liveMigrate(inventory: string, ledgerDir: string): Promise<InjectReport> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [
        '--import',
        'tsx',
        HAVOC,
        '--json',
        '-i',
        inventory,
        'chaos',
        'inject',
        'live-migrate',
        '-p',
        'vm=vm1',
        '--for',
        '1ms',
        '--ledger',
        ledgerDir,
      ],
      { timeout: 600_000, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err && !stdout)
          reject(new Error(`havoc chaos inject live-migrate: ${stderr.trim() || err.message}`));
        else resolve(JSON.parse(stdout) as InjectReport);
      },
    );
  });
}

interface MigrationRun {
  from: string;
  to: string;
  libvirtMs: number;
  migrationMs: number;
  havocMs: number;
  pingMs: number;
  pollerMs: number;
  bootIdChanges: number;
  lateSends: number;
  /** Failed requests in the 3 s window without a migration. */
  steadyHavocFailed: number;
  steadyHavocSent: number;
  steadyPollerFailed: number;
}

const STEADY_MS = 3_000;

async function migrationRun(inventory: string, ledgerDir: string, intervalMs: number): Promise<MigrationRun> {
  const inv = loadInventory(inventory, new Redactor()).inventory;
  const vm = inv.vms.find((v) => v.name === 'vm1')!;
  const probe = vm.probe!;
  if (probe.type !== 'http') throw new Error('the lab VM has no http probe');
  const samples: ProbeSample[] = [];
  const havoc = startProber(
    { targets: [{ name: 'vm1', config: probe }], intervalMs },
    (x) => samples.push(x),
    {
      realtime: true,
    },
  );
  const ping = pingUser(probe.address);
  const poller = poller200(`http://${probe.address}:${probe.port}${probe.path}`);
  const answered = () => samples.filter((x) => x.ok).length;
  await pollUntil(async () => (answered() >= 100 ? true : undefined), AbortSignal.timeout(60_000), {
    initialMs: 20,
    maxMs: 100,
  });
  await new Promise((r) => setTimeout(r, 600));
  const steadyFrom = process.hrtime.bigint();
  const pollerBefore = poller.counts();
  await new Promise((r) => setTimeout(r, STEADY_MS));
  const steadyTo = process.hrtime.bigint();
  const pollerAfter = poller.counts();
  const steady = samples.filter((x) => BigInt(x.sentNs) >= steadyFrom && BigInt(x.sentNs) < steadyTo);
  const report = await liveMigrate(inventory, ledgerDir);
  if (!report.ok) throw new Error(`live-migrate did not succeed: ${report.error ?? report.reverted.reason}`);
  const after = answered();
  await pollUntil(async () => (answered() >= after + 100 ? true : undefined), AbortSignal.timeout(60_000), {
    initialMs: 20,
    maxMs: 100,
  });
  await new Promise((r) => setTimeout(r, 600));
  const [pinged, polled] = await Promise.all([ping.stop(), poller.stop(), havoc.stop()]);
  const m = measureProbe(samples);
  const d = report.actionDetail as Record<string, unknown>;
  if (typeof d.downtimeMs !== 'number') throw new Error(`no libvirt downtime: ${String(d.downtimeSource)}`);
  return {
    from: String(d.from),
    to: String(d.to),
    libvirtMs: d.downtimeMs,
    migrationMs: Number(d.migrationTotalMs),
    havocMs: Number(m.longestOutageNs) / 1e6,
    pingMs: (pinged.transmitted - pinged.received) * 200,
    pollerMs: polled.failed * 200,
    bootIdChanges: m.bootIdChanges.length,
    lateSends: m.lateSends,
    steadyHavocFailed: steady.filter((x) => !x.ok).length,
    steadyHavocSent: steady.length,
    steadyPollerFailed: pollerAfter.failed - pollerBefore.failed,
  };
}

async function main(): Promise<void> {
  const usage =
    'node --import tsx bench/probe/migration.ts [--runs 3] [--interval 10]   (as root; --interval in ms)';
  const values = benchArgs(usage, {
    runs: { type: 'string', default: '3' },
    interval: { type: 'string', default: '10' },
  });
  const runs = positiveNumber(values.runs, '--runs', usage);
  const intervalMs = positiveNumber(values.interval, '--interval', usage);
  const scratch = mkdtempSync(join(tmpdir(), 'havoc-bench-migration-'));
  const up = await labUp({
    name: LAB,
    hosts: 2,
    volumes: 1,
    recreate: true,
    env,
    signal: AbortSignal.timeout(300_000),
    redactor: new Redactor(),
    progress: () => {},
    ha: { vms: 1, fenceAgent: 'fence_ipmilan', vmAgent: 'virtualdomain' },
  });
  try {
    const results: MigrationRun[] = [];
    for (let i = 0; i < runs; i++) {
      const r = await migrationRun(up.inventory, join(scratch, 'ledger'), intervalMs);
      process.stderr.write(`migration ${i + 1}: ${JSON.stringify(r)}\n`);
      results.push(r);
    }
    const med = (k: keyof MigrationRun) => median(results.map((r) => r[k] as number));
    const ratio = (k: keyof MigrationRun) =>
      `${median(results.map((r) => (r[k] as number) / r.libvirtMs)).toFixed(1)}x`;
    process.stdout.write(
      `\n${markdownTable(
        [
          'view of the same live migration',
          'outage (median)',
          'min - max',
          'median of (outage / libvirt downtime)',
        ],
        [
          [
            'libvirt "Total downtime" (virsh domjobinfo --completed)',
            fmtMs(med('libvirtMs')),
            span(results, 'libvirtMs'),
            '1.0x',
          ],
          [
            'havoc probe, http every 10 ms, real-time prober',
            fmtMs(med('havocMs')),
            span(results, 'havocMs'),
            ratio('havocMs'),
          ],
          ['ping -i 0.2: lost x 0.2 s', fmtMs(med('pingMs')), span(results, 'pingMs'), ratio('pingMs')],
          [
            'HTTP GET every 200 ms: failed x 0.2 s (Tempest NetDowntimeMeter method)',
            fmtMs(med('pollerMs')),
            span(results, 'pollerMs'),
            ratio('pollerMs'),
          ],
        ],
      )}\n(${runs} migrations, VirtualDomain over libvirt, QEMU under TCG; whole migration median ${fmtMs(med('migrationMs'))}; boot id changes ${results.reduce((a, r) => a + r.bootIdChanges, 0)}; late sends of havoc's prober median ${med('lateSends')}; in ${STEADY_MS / 1000} s without a migration, failed: havoc ${med('steadyHavocFailed')} of ${med('steadyHavocSent')} (median), the 200 ms poller ${med('steadyPollerFailed')} of ${STEADY_MS / 200})\n`,
    );
  } finally {
    await labDown({ name: LAB, env, signal: AbortSignal.timeout(60_000) });
    rmSync(scratch, { recursive: true, force: true });
  }
}

function span(results: MigrationRun[], k: keyof MigrationRun): string {
  const xs = results.map((r) => r[k] as number);
  return `${fmtMs(Math.min(...xs))} - ${fmtMs(Math.max(...xs))}`;
}

await main();
