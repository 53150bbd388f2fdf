import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { deadlineSignal, monotonicMs, pollUntil } from '../../core/deadline.js';
import { Redactor } from '../../core/redact.js';
import { labDown } from '../../lab/down.js';
import { labUp } from '../../lab/up.js';
import { markdownTable, median } from '../support/stats.js';

/*
 * bench/exporter-memory: the exporter's resident memory before and after
 * 10,000 scrapes across every target it discovers on the lab (switch and bmc
 * modules, host and cluster when their collectors are listed). The exporter
 * is the real CLI (`havoc exporter serve`) in its own process; RSS is read
 * from /proc/PID/status. Requests stay on 127.0.0.1, a bounded number in
 * flight. Needs root (the lab).
 *
 *   node --import tsx bench/exporter-memory/run.ts [--scrapes 10000] [--concurrency 4] [--inventory FILE]
 *
 * Without --inventory it brings up a 3-host lab "exmem" and removes it after.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const LAB = 'exmem';

const { values } = parseArgs({
  options: {
    scrapes: { type: 'string', default: '10000' },
    concurrency: { type: 'string', default: '4' },
    inventory: { type: 'string' },
  },
});
const scrapes = Number(values.scrapes);
const concurrency = Number(values.concurrency);
if (!Number.isInteger(scrapes) || scrapes < 100) throw new Error('--scrapes: a whole number >= 100');
if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 32)
  throw new Error('--concurrency: 1 to 32');

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

function rssMiB(pid: number): number {
  const kb = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  if (!kb) throw new Error(`no VmRSS for PID ${pid}`);
  return Number(kb) / 1024;
}

async function stop(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.pid === undefined) return;
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  process.kill(proc.pid, 'SIGTERM');
  await exited;
}

interface Target {
  module: string;
  target: string;
}

async function main(): Promise<void> {
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
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const exporter = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'cli/havoc.ts',
      '-i',
      inventory,
      'exporter',
      'serve',
      '--listen',
      `127.0.0.1:${port}`,
    ],
    { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  exporter.stderr?.on('data', (d) => {
    stderr += String(d);
  });
  try {
    await pollUntil(
      async () => (stderr.includes('listening on') ? true : undefined),
      deadlineSignal(30_000, 'exporter start'),
      {
        initialMs: 50,
        maxMs: 500,
      },
    );
    const pid = exporter.pid!;
    const groups = (await (await fetch(`${url}/sd`)).json()) as {
      targets: string[];
      labels: Record<string, string>;
    }[];
    const targets: Target[] = groups.flatMap((g) =>
      g.targets.map((target) => ({ module: g.labels['__meta_havoc_module']!, target })),
    );
    const modules = [...new Set(targets.map((t) => t.module))];
    process.stderr.write(
      `exporter PID ${pid}; ${targets.length} targets (${modules.join(', ')}); ${scrapes} scrapes, ${concurrency} in flight\n`,
    );

    const failures = new Map<string, number>();
    const durations: number[] = [];
    let next = 0;
    const scrapeOne = async (i: number) => {
      const t = targets[i % targets.length]!;
      const started = monotonicMs();
      const res = await fetch(`${url}/probe?module=${t.module}&target=${t.target}`, {
        headers: { 'X-Prometheus-Scrape-Timeout-Seconds': '10' },
        signal: AbortSignal.timeout(15_000),
      });
      const text = await res.text();
      durations.push(monotonicMs() - started);
      if (res.status !== 200 || !text.includes(`havoc_up{module="${t.module}"} 1`)) {
        const key = `${t.module}/${t.target}`;
        failures.set(key, (failures.get(key) ?? 0) + 1);
      }
    };
    const runBatch = async (count: number) => {
      const end = next + count;
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < end) await scrapeOne(next++);
        }),
      );
    };

    const idle = rssMiB(pid);
    // Warm up (JIT, SNMP name caches, cipher-suite memory), then measure.
    await runBatch(Math.min(500, scrapes / 10));
    const samples: [number, number][] = [[0, rssMiB(pid)]];
    const step = Math.ceil(scrapes / 10);
    const started = monotonicMs();
    let done = 0;
    while (done < scrapes) {
      await runBatch(step);
      done += step;
      samples.push([done, rssMiB(pid)]);
    }
    const seconds = (monotonicMs() - started) / 1000;

    const before = samples[0]![1];
    const after = samples.at(-1)![1];
    const firstHalfMax = Math.max(...samples.slice(0, 6).map((s) => s[1]));
    const secondHalfMax = Math.max(...samples.slice(6).map((s) => s[1]));
    process.stdout.write(
      `\n${markdownTable(
        ['scrapes', 'exporter RSS (MiB)'],
        samples.map(([n, mib]) => [String(n), mib.toFixed(1)]),
      )}\n\n`,
    );
    process.stdout.write(
      `${scrapes} scrapes in ${seconds.toFixed(1)} s (median ${median(durations).toFixed(1)} ms per scrape), ` +
        `failed scrapes: ${failures.size === 0 ? 'none' : JSON.stringify(Object.fromEntries(failures))}\n`,
    );
    // RSS breathes with the garbage collector; growth is a second half that peaks well above the first.
    const grew = secondHalfMax > firstHalfMax * 1.1 && secondHalfMax - firstHalfMax > 8;
    process.stdout.write(
      `RSS idle ${idle.toFixed(1)} MiB; after warm-up ${before.toFixed(1)} MiB, after ${scrapes} more scrapes ${after.toFixed(1)} MiB (peak first half ${firstHalfMax.toFixed(1)}, second half ${secondHalfMax.toFixed(1)}): ` +
        `${grew ? 'GROWS: look for a leak' : 'does not grow'}\n`,
    );
  } finally {
    await stop(exporter);
    if (!values.inventory)
      await labDown({ name: LAB, env: process.env, signal: AbortSignal.timeout(60_000) });
  }
}

await main();
