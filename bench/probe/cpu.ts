/**
 * The CPU that 100 Hz probes of 8 targets cost, without a lab: 8 guest-format
 * pages on loopback (test/support/guest-page-server.ts, in a process of its
 * own so its CPU is not counted), probed for S seconds by
 *   - havoc's prober of this checkout (dist/chaos/probes/probe-main.js: run
 *     `npm run build` first), a fresh connection per request;
 *   - with --old DIR (repeatable), the prober of another built checkout (the
 *     old way, or a variant under test);
 *   - the floor: bare node:net on the same load, nothing parsed or written
 *     (fresh-connection-floor.ts);
 *   - a node http keep-alive agent on the same load (keepalive-poller.ts).
 * The machine is shared: the methods run interleaved, round after round, and
 * the table gives medians, the load average before and after, and ratios.
 *   node --import tsx bench/probe/cpu.ts [--seconds S] [--rounds N] [--old DIR]...
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { benchArgs, positiveNumber } from '../support/args.js';
import { markdownTable, median } from '../support/stats.js';

const REPO = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
const TARGETS = 8;

interface RunLoad {
  requests: number;
  failed: number;
  cpuShare: number;
  kernelShare: number;
  rttMs: number;
  waitedMs: number;
}

function collect(child: ChildProcess): Promise<Record<string, unknown>[]> {
  const lines: Record<string, unknown>[] = [];
  createInterface({ input: child.stdout! }).on('line', (l) => lines.push(JSON.parse(l)));
  return new Promise((done, fail) => {
    child.on('error', fail);
    child.on('close', (code) =>
      code === 0 ? done(lines) : fail(new Error(`${child.spawnargs.join(' ')} exited ${code}`)),
    );
  });
}

/** A probe-main.js for `forMs`: its samples and its closing probe-process line. */
async function proberRun(
  main: string,
  urls: { address: string; port: number }[],
  forMs: number,
): Promise<RunLoad> {
  const spec = {
    targets: urls.map((u, i) => ({
      name: `vm${i + 1}`,
      config: { type: 'http', address: u.address, port: u.port, path: '/', expectStatus: 200 },
    })),
    intervalMs: 10,
    forMs,
  };
  const lines = await collect(
    spawn(process.execPath, [main, JSON.stringify(spec)], { stdio: ['ignore', 'pipe', 'inherit'] }),
  );
  const samples = lines.filter((l) => l.kind === 'probe') as {
    ok: boolean;
    sentNs: string;
    answeredNs?: string;
    count?: number;
  }[];
  const load = lines.find((l) => l.kind === 'probe-process') as Record<string, number> | undefined;
  if (!load) throw new Error(`${main} printed no probe-process line`);
  const requests = samples.reduce((n, s) => n + (s.count ?? 1), 0);
  return {
    requests,
    failed: samples.filter((s) => !s.ok).reduce((n, s) => n + (s.count ?? 1), 0),
    cpuShare: load.cpuShare!,
    kernelShare: load.systemMs! / load.wallMs!,
    rttMs: median(
      samples
        .filter((s) => s.ok && s.answeredNs)
        .map((s) => Number(BigInt(s.answeredNs!) - BigInt(s.sentNs)) / 1e6),
    ),
    waitedMs: load.runQueueWaitMs!,
  };
}

/** keepalive-poller.ts or fresh-connection-floor.ts: one JSON line of load. */
async function scriptRun(script: string, args: string[], forMs: number): Promise<RunLoad> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(REPO, script), '10', String(forMs), ...args],
    {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const k = (await collect(child))[0] as Record<string, number>;
  return {
    requests: k.requests!,
    failed: k.failed!,
    cpuShare: k.cpuShare!,
    kernelShare: k.systemMs! / k.wallMs!,
    rttMs: k.medianMs ?? Number.NaN,
    waitedMs: k.runQueueWaitMs!,
  };
}

async function startPages(): Promise<{ urls: { address: string; port: number }[]; stop(): Promise<void> }> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(REPO, 'test/support/guest-page-server.ts'),
      '127.0.0.1',
      Array(TARGETS).fill('0').join(','),
    ],
    { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = new Promise<void>((r) => child.on('close', () => r()));
  const first = await new Promise<string>((ok, fail) => {
    createInterface({ input: child.stdout! }).once('line', ok);
    child.on('close', (code) => fail(new Error(`guest page server exited ${code}`)));
  });
  const listening = (JSON.parse(first) as { listening: string[] }).listening;
  return {
    urls: listening.map((l) => ({ address: '127.0.0.1', port: Number(l.split(':')[1]) })),
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

async function main(): Promise<number> {
  const usage =
    'npm run build && node --import tsx bench/probe/cpu.ts [--seconds 10] [--rounds 3] [--old DIR]...';
  const values = benchArgs(usage, {
    seconds: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '3' },
    old: { type: 'string', multiple: true },
  });
  const forMs = positiveNumber(values.seconds, '--seconds', usage) * 1000;
  const rounds = positiveNumber(values.rounds, '--rounds', usage);
  const mine = join(REPO, 'dist/chaos/probes/probe-main.js');
  const olds = (values.old ?? []).map((dir) => ({
    dir,
    main: join(resolve(dir), 'dist/chaos/probes/probe-main.js'),
  }));
  for (const m of [mine, ...olds.map((o) => o.main)]) {
    if (!existsSync(m)) {
      process.stderr.write(`cpu.ts: ${m} does not exist: run npm run build in that checkout\n`);
      return 4;
    }
  }
  const methods: { name: string; run: (u: { address: string; port: number }[]) => Promise<RunLoad> }[] = [
    { name: 'havoc probe (this checkout), fresh connection each', run: (u) => proberRun(mine, u, forMs) },
    ...olds.map((o) => ({
      name: `probe of ${o.dir}, fresh connection each`,
      run: (u: { address: string; port: number }[]) => proberRun(o.main, u, forMs),
    })),
    {
      name: 'bare node:net, fresh connection each, nothing parsed or written (the floor)',
      run: (u) =>
        scriptRun(
          'bench/probe/fresh-connection-floor.ts',
          u.map((x) => String(x.port)),
          forMs,
        ),
    },
    {
      name: 'node http keep-alive agent (for comparison)',
      run: (u) =>
        scriptRun(
          'bench/probe/keepalive-poller.ts',
          u.map((x) => `http://${x.address}:${x.port}/`),
          forMs,
        ),
    },
  ];
  const results = methods.map(() => [] as RunLoad[]);
  const loadBefore = loadavg();
  const pages = await startPages();
  try {
    for (let r = 0; r < rounds; r++) {
      for (const [i, m] of methods.entries()) {
        const got = await m.run(pages.urls);
        results[i]!.push(got);
        process.stderr.write(
          `round ${r + 1} ${m.name}: ${(got.cpuShare * 100).toFixed(1)}% (kernel ${(got.kernelShare * 100).toFixed(1)}%), ${got.requests} requests, load ${loadavg()[0]!.toFixed(2)}\n`,
        );
      }
    }
  } finally {
    await pages.stop();
  }
  const loadAfter = loadavg();
  // On a loaded machine a prober that waited for a CPU skips slots (and spends less): compare per request too.
  const planned = (forMs / 10) * TARGETS;
  const cpu = results.map((rs) => median(rs.map((x) => x.cpuShare)));
  const keep = cpu[cpu.length - 1]!;
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const rows = methods.map((m, i) => {
    const rs = results[i]!;
    return [
      m.name,
      String(median(rs.map((x) => x.requests))),
      String(median(rs.map((x) => x.failed))),
      `${pct(cpu[i]!)} (kernel ${pct(median(rs.map((x) => x.kernelShare)))})`,
      rs.map((x) => pct(x.cpuShare)).join(', '),
      pct(median(rs.map((x) => (x.cpuShare * planned) / x.requests))),
      `${(cpu[i]! / keep).toFixed(2)}x`,
      `${(cpu[i]! / cpu[0]!).toFixed(2)}x`,
      `${median(rs.map((x) => x.rttMs)).toFixed(2)} ms`,
      `${(median(rs.map((x) => x.waitedMs)) / 1000).toFixed(2)} s`,
    ];
  });
  process.stdout.write(
    `${markdownTable(
      [
        `${TARGETS} loopback targets x 100 Hz, ${forMs / 1000} s (${(forMs / 10) * TARGETS} planned)`,
        'requests (median)',
        'failed',
        'CPU of one core (median)',
        'each round',
        'CPU scaled to every planned request',
        '/ keep-alive',
        '/ havoc',
        'request median',
        'waited for a CPU',
      ],
      rows,
    )}\n(${rounds} interleaved rounds; load average ${loadBefore.map((x) => x.toFixed(2)).join(' ')} before, ${loadAfter.map((x) => x.toFixed(2)).join(' ')} after)\n`,
  );
  return 0;
}

process.exitCode = await main();
