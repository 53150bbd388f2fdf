import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deadlineSignal, monotonicMs, pollUntil } from '../../core/deadline.js';
import { Redactor } from '../../core/redact.js';
import { COUNTER_COLUMNS } from '../../exporters/collectors/switch-snapshot.js';
import { loadInventory } from '../../inventory/load.js';
import { labDown } from '../../lab/down.js';
import { labUp } from '../../lab/up.js';
import { SnmpExporter, writeExporterConfig } from '../snmp/snmp-exporter.js';
import { benchArgs, positiveNumber, usageError } from '../support/args.js';
import { markdownTable, median } from '../support/stats.js';
import { peakMiB, resetPeak, rssMiB } from './process-memory.js';

/*
 * bench/exporter-memory: the exporter's resident memory over 10,000 scrapes
 * across every target it discovers on the lab (host, switch, bmc, cluster).
 * The exporter runs as users run it: the built CLI, `node dist/cli/havoc.js
 * exporter serve`, in its own process (the bench builds dist/ first); RSS
 * and the peak of each half are read from /proc/PID/status. Requests stay on
 * 127.0.0.1, a bounded number in flight. For comparison, the RSS of a bare
 * `node`, of a `node` that only imports what the exporter imports, and of
 * Prometheus' snmp_exporter (Debian prometheus-snmp-exporter) under the
 * same number of switch scrapes. Needs root (the lab, /proc/PID/clear_refs).
 *
 *   node --import tsx bench/exporter-memory/run.ts [--scrapes 10000] [--concurrency 4] [--inventory FILE]
 *
 * Without --inventory it brings up a 3-host lab "exmem" and removes it after.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(ROOT, 'dist/cli/havoc.js');
const LAB = 'exmem';

const USAGE =
  'node --import tsx bench/exporter-memory/run.ts [--scrapes 10000] [--concurrency 4] [--inventory FILE]   (as root)';
const values = benchArgs(USAGE, {
  scrapes: { type: 'string', default: '10000' },
  concurrency: { type: 'string', default: '4' },
  inventory: { type: 'string' },
});
const scrapes = positiveNumber(values.scrapes, '--scrapes', USAGE);
const concurrency = positiveNumber(values.concurrency, '--concurrency', USAGE);
if (!Number.isInteger(scrapes) || scrapes < 100) usageError('--scrapes: a whole number >= 100', USAGE);
if (!Number.isInteger(concurrency) || concurrency > 32)
  usageError('--concurrency: a whole number, 1 to 32', USAGE);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function stop(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.pid === undefined) return;
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  process.kill(proc.pid, 'SIGTERM');
  await exited;
}

/** Starts a process and resolves once `ready` appears in what it prints (stdout or stderr). */
async function startUntil(args: string[], ready: string, what: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const append = (d: Buffer) => {
    output += String(d);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  try {
    await pollUntil(
      async () => {
        if (child.exitCode !== null) throw new Error(`${what} exited: ${output.trim()}`);
        return output.includes(ready) ? true : undefined;
      },
      deadlineSignal(60_000, `${what} start`),
      { initialMs: 20, maxMs: 250 },
    );
  } catch (err) {
    await stop(child);
    throw err;
  }
  return child;
}

interface Phase {
  rss: number;
  peak: number;
}

interface LoadResult {
  idle: number;
  warm: number;
  end: number;
  firstHalfPeak: number;
  secondHalfPeak: number;
  samples: [number, number][];
  seconds: number;
  medianMs: number;
  failures: Map<string, number>;
}

/**
 * Drives `count` scrapes (after a warm-up) against the process `pid`, `concurrency` in flight,
 * and reads its RSS after every tenth and its exact peak over each half.
 */
async function underLoad(
  pid: number,
  count: number,
  scrapeOne: (i: number) => Promise<string | undefined>,
): Promise<LoadResult> {
  const failures = new Map<string, number>();
  const durations: number[] = [];
  let next = 0;
  const runBatch = async (n: number) => {
    const end = next + n;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < end) {
          const i = next++;
          const started = monotonicMs();
          const failed = await scrapeOne(i).catch((err: Error) => `error: ${err.message}`);
          durations.push(monotonicMs() - started);
          if (failed) failures.set(failed, (failures.get(failed) ?? 0) + 1);
        }
      }),
    );
  };
  const idle = rssMiB(pid);
  // Warm up (JIT, SSH connections, SNMP name caches, cipher-suite memory), then measure.
  await runBatch(Math.min(500, Math.ceil(count / 10)));
  durations.length = 0;
  const warm = rssMiB(pid);
  const samples: [number, number][] = [[0, warm]];
  const halves: Phase[] = [];
  const step = Math.ceil(count / 10);
  const started = monotonicMs();
  let done = 0;
  for (let half = 0; half < 2; half++) {
    resetPeak(pid);
    for (let s = 0; s < 5; s++) {
      await runBatch(step);
      done += step;
      samples.push([done, rssMiB(pid)]);
    }
    halves.push({ rss: rssMiB(pid), peak: peakMiB(pid) });
  }
  return {
    idle,
    warm,
    end: halves[1]!.rss,
    firstHalfPeak: halves[0]!.peak,
    secondHalfPeak: halves[1]!.peak,
    samples,
    seconds: (monotonicMs() - started) / 1000,
    medianMs: median(durations),
    failures,
  };
}

/** RSS breathes with the garbage collector; growth is a second half that peaks well above the first. */
function grows(r: LoadResult): boolean {
  return r.secondHalfPeak > r.firstHalfPeak * 1.1 && r.secondHalfPeak - r.firstHalfPeak > 8;
}

const mib = (n: number) => `${n.toFixed(1)} MiB`;

function summary(name: string, count: number, r: LoadResult): string {
  const failed =
    r.failures.size === 0 ? 'none' : JSON.stringify(Object.fromEntries([...r.failures].slice(0, 10)));
  return (
    `${name}: ${count} scrapes in ${r.seconds.toFixed(1)} s (median ${r.medianMs.toFixed(1)} ms), failed: ${failed}\n` +
    `  RSS idle ${mib(r.idle)}; after warm-up ${mib(r.warm)}; at the end ${mib(r.end)}; ` +
    `peak first half ${mib(r.firstHalfPeak)}, second half ${mib(r.secondHalfPeak)}: ` +
    `${grows(r) ? 'GROWS: look for a leak' : 'does not grow'}\n`
  );
}

interface Target {
  module: string;
  target: string;
}

/**
 * RSS of a bare node, and of a node that loaded what `havoc` loads (its heap policy first, as
 * cli/havoc.ts does, then the CLI's modules) and idles: the floor under the exporter's own memory.
 */
async function baselines(): Promise<{ bare: number; imports: number }> {
  const idle = 'setInterval(() => {}, 1 << 30); process.stdout.write("ready\\n");';
  const dist = (file: string) => JSON.stringify(join(ROOT, 'dist', file));
  const bare = await startUntil(['-e', idle], 'ready', 'bare node');
  const imports = await startUntil(
    [
      '--input-type=module',
      '-e',
      `(await import(${dist('exporters/heap-policy.js')})).keepYoungGenerationSmall(); ` +
        `await import(${dist('cli/program.js')}); ${idle}`,
    ],
    'ready',
    'node with the CLI imports',
  );
  try {
    return { bare: rssMiB(bare.pid!), imports: rssMiB(imports.pid!) };
  } finally {
    await stop(bare);
    await stop(imports);
  }
}

async function havocUnderLoad(inventory: string): Promise<{ result: LoadResult; switchScrapes: number }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const exporter = await startUntil(
    [CLI, '-i', inventory, 'exporter', 'serve', '--listen', `127.0.0.1:${port}`],
    'listening on',
    'havoc exporter',
  );
  try {
    const groups = (await (await fetch(`${url}/sd`)).json()) as {
      targets: string[];
      labels: Record<string, string>;
    }[];
    const targets: Target[] = groups.flatMap((g) =>
      g.targets.map((target) => ({ module: g.labels['__meta_havoc_module']!, target })),
    );
    const modules = [...new Set(targets.map((t) => t.module))];
    process.stderr.write(
      `havoc exporter PID ${exporter.pid}: ${targets.length} targets (${modules.join(', ')}); ` +
        `${scrapes} scrapes, ${concurrency} in flight\n`,
    );
    const result = await underLoad(exporter.pid!, scrapes, async (i) => {
      const t = targets[i % targets.length]!;
      const res = await fetch(`${url}/probe?module=${t.module}&target=${t.target}`, {
        headers: { 'X-Prometheus-Scrape-Timeout-Seconds': '10' },
        signal: AbortSignal.timeout(15_000),
      });
      const text = await res.text();
      const ok = res.status === 200 && text.includes(`havoc_up{module="${t.module}"} 1`);
      return ok ? undefined : `${t.module}/${t.target}`;
    });
    const switchShare = targets.filter((t) => t.module === 'switch').length / targets.length;
    return { result, switchScrapes: Math.round(scrapes * switchShare) };
  } finally {
    await stop(exporter);
  }
}

/** snmp_exporter's if_mib cut to havoc's columns (as bench/snmp), scraping the inventory's first v2c switch. */
async function snmpExporterUnderLoad(inventory: string, count: number): Promise<LoadResult | string> {
  const loaded = loadInventory(inventory, new Redactor());
  const v2c = loaded.inventory.switches.filter((s) => s.snmp.version === '2c');
  if (v2c.length === 0 || count < 20) return 'skipped: no SNMP v2c switch or fewer than 20 switch scrapes';
  const first = v2c[0]!;
  if (first.snmp.version !== '2c') throw new Error('unreachable');
  const community = loaded.secrets.resolve(first.snmp.community, `switches.${first.name}.snmp.community`);
  const dir = await mkdtemp(join(tmpdir(), 'hvmem-'));
  let exporter: SnmpExporter | undefined;
  try {
    const config = await writeExporterConfig(
      join(ROOT, 'bench/snmp/snmp_exporter-if_mib.yml'),
      dir,
      community,
      COUNTER_COLUMNS,
    );
    exporter = await SnmpExporter.start(config);
    const snmp = exporter;
    process.stderr.write(`snmp_exporter PID ${snmp.child.pid}: ${count} scrapes of ${first.name}\n`);
    return await underLoad(snmp.child.pid!, count, async () => {
      const text = await snmp.scrape(`${first.address}:${first.port}`, 'if_mib_havoc');
      return text.includes('ifHCInOctets{') ? undefined : `snmp_exporter/${first.name}`;
    });
  } finally {
    exporter?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  process.stderr.write('building dist/ (tsc -p tsconfig.build.json)...\n');
  const build = spawnSync(
    process.execPath,
    [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
    { cwd: ROOT, encoding: 'utf8' },
  );
  if (build.status !== 0) throw new Error(`build failed:\n${build.stdout}${build.stderr}`);

  let inventory = values.inventory;
  if (!inventory) {
    process.stderr.write(`bringing up lab ${LAB} (3 hosts)...\n`);
    const r = await labUp({
      name: LAB,
      hosts: 3,
      volumes: 1,
      recreate: true,
      env: process.env,
      signal: AbortSignal.timeout(180_000),
      redactor: new Redactor(),
      progress: () => {},
    });
    inventory = r.inventory;
  }
  try {
    const base = await baselines();
    const havoc = await havocUnderLoad(inventory);
    const snmp = await snmpExporterUnderLoad(inventory, havoc.switchScrapes);
    const r = havoc.result;
    process.stdout.write(
      `\n${markdownTable(
        ['scrapes after warm-up', 'havoc exporter RSS (MiB)'],
        r.samples.map(([n, m]) => [String(n), m.toFixed(1)]),
      )}\n\n`,
    );
    process.stdout.write(summary('havoc exporter (node dist/cli/havoc.js exporter serve)', scrapes, r));
    process.stdout.write(
      `baselines: bare node ${mib(base.bare)}; node with the CLI's imports loaded, idle ${mib(base.imports)}\n`,
    );
    process.stdout.write(
      typeof snmp === 'string'
        ? `snmp_exporter: ${snmp}\n`
        : summary(
            `snmp_exporter, the same ${havoc.switchScrapes} switch scrapes (if_mib cut to havoc's columns)`,
            havoc.switchScrapes,
            snmp,
          ),
    );
  } finally {
    if (!values.inventory)
      await labDown({ name: LAB, env: process.env, signal: AbortSignal.timeout(60_000) });
  }
}

await main();
