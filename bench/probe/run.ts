/**
 * Outage measurement side by side, on the same 1 s nftables drop (timed by
 * the kernel: test/support/nft-drop.ts) of a lab host's guest-format HTTP
 * page, in one run per repetition:
 *   - havoc's probe, http every 10 ms open loop, in its own process
 *     (chaos/probes/probe-main.ts): longest outage;
 *   - `ping -i 0.2` (what users do): lost replies x 0.2 s;
 *   - an HTTP poller every 200 ms (the method of OpenStack Tempest's
 *     NetDowntimeMeter: failed polls x the interval).
 * Then the CPU that 100 Hz probes of 8 targets cost (/proc/self/stat of the
 * probing process), with fresh connections (havoc) and with keep-alive.
 * Run as root: node --import tsx bench/probe/run.ts [--runs N] [--cpu-seconds S]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { measureProbe } from '../../chaos/probes/measure.js';
import type { ProbeSample } from '../../chaos/probes/sample.js';
import { pollUntil } from '../../core/deadline.js';
import { Redactor } from '../../core/redact.js';
import { loadInventory } from '../../inventory/load.js';
import { labDown } from '../../lab/down.js';
import { readLabState } from '../../lab/state.js';
import { labUp } from '../../lab/up.js';
import { fetchGuestStatus } from '../../lab/vm/guestProbe.js';
import { startGuestPageIn } from '../../test/support/guest-page-netns.js';
import { dropFor } from '../../test/support/nft-drop.js';
import { fmtMs, markdownTable, median } from '../support/stats.js';

const LAB = 'probesb';
const env = process.env;
const DROP_MS = 1000;
const PORTS = [80, 8001, 8002, 8003, 8004, 8005, 8006, 8007];

/** Starts a node script and collects its JSON lines. */
function nodeScript(
  script: string,
  args: string[],
): { child: ChildProcess; lines: Record<string, unknown>[]; done: Promise<void> } {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines: Record<string, unknown>[] = [];
  createInterface({ input: child.stdout! }).on('line', (l) => lines.push(JSON.parse(l)));
  const done = new Promise<void>((resolve) => child.on('close', () => resolve()));
  return { child, lines, done };
}

function pingUser(address: string): { stop(): Promise<{ transmitted: number; received: number }> } {
  const child = spawn('ping', ['-n', '-i', '0.2', address], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  const done = new Promise<void>((resolve) => child.on('close', () => resolve()));
  return {
    stop: async () => {
      child.kill('SIGINT');
      await done;
      const m = /(\d+) packets transmitted, (\d+) received/.exec(out);
      if (!m) throw new Error(`ping printed no statistics: ${out.slice(-300)}`);
      return { transmitted: Number(m[1]), received: Number(m[2]) };
    },
  };
}

/** GET every 200 ms on a timer, each with its own 1 s deadline; downtime = failed polls x 200 ms. */
function poller200(url: string): { stop(): Promise<{ polls: number; failed: number }> } {
  let polls = 0;
  let failed = 0;
  const pending = new Set<Promise<void>>();
  const timer = setInterval(() => {
    polls++;
    const p: Promise<void> = fetchGuestStatus(url, { timeoutMs: 1_000 })
      .then(
        () => undefined,
        () => {
          failed++;
        },
      )
      .finally(() => pending.delete(p));
    pending.add(p);
  }, 200);
  return {
    stop: async () => {
      clearInterval(timer);
      await Promise.all(pending);
      return { polls, failed };
    },
  };
}

async function accuracyRun(netns: string, address: string, station: string) {
  const spec = {
    targets: [{ name: 'vm', config: { type: 'http', address, port: 80, path: '/', expectStatus: 200 } }],
    intervalMs: 10,
  };
  const havoc = nodeScript('chaos/probes/probe-main.ts', [JSON.stringify(spec)]);
  const ping = pingUser(address);
  const poller = poller200(`http://${address}/`);
  const answered = () => havoc.lines.filter((l) => l.kind === 'probe' && l.ok).length;
  await pollUntil(async () => (answered() >= 50 ? true : undefined), AbortSignal.timeout(20_000), {
    initialMs: 20,
    maxMs: 100,
  });
  // Let ping and the poller see the steady state too.
  await new Promise((r) => setTimeout(r, 600));
  const drop = await dropFor(netns, station, DROP_MS, AbortSignal.timeout(30_000));
  const before = answered();
  await pollUntil(async () => (answered() >= before + 100 ? true : undefined), AbortSignal.timeout(20_000), {
    initialMs: 20,
    maxMs: 100,
  });
  await new Promise((r) => setTimeout(r, 600));
  havoc.child.stdin!.end();
  const [pinged, polled] = await Promise.all([ping.stop(), poller.stop(), havoc.done]);
  const samples = havoc.lines.filter((l) => l.kind === 'probe') as unknown as ProbeSample[];
  const m = measureProbe(samples);
  const load = havoc.lines.find((l) => l.kind === 'probe-process') as Record<string, number>;
  const truthMs = Number(drop.truthNs) / 1e6;
  return {
    truthMs,
    havocMs: Number(m.longestOutageNs) / 1e6,
    havocOutages: m.outages.length,
    pingMs: (pinged.transmitted - pinged.received) * 200,
    pollerMs: polled.failed * 200,
    lateSends: m.lateSends,
    maxLateMs: Number(m.maxLateNs) / 1e6,
    loopDelayMaxMs: load.loopDelayMaxMs!,
    nftInstallMs: drop.installMs,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: 'string' }, 'cpu-seconds': { type: 'string' } } });
  const runs = Number(values.runs ?? 5);
  const cpuMs = Number(values['cpu-seconds'] ?? 20) * 1000;
  const redactor = new Redactor();
  const up = await labUp({
    name: LAB,
    hosts: 2,
    volumes: 1,
    recreate: true,
    env,
    signal: AbortSignal.timeout(120_000),
    redactor,
    progress: () => {},
  });
  let server: Awaited<ReturnType<typeof startGuestPageIn>> | undefined;
  try {
    const host = loadInventory(up.inventory, redactor).inventory.hosts[0]!;
    const netns = readLabState(up.stateDir)!.hosts[host.name]!.netns;
    const address = host.address;
    const station = `${address.split('.').slice(0, 3).join('.')}.1`;
    server = await startGuestPageIn(netns, address, PORTS);

    const results: Awaited<ReturnType<typeof accuracyRun>>[] = [];
    for (let i = 0; i < runs; i++) {
      const r = await accuracyRun(netns, address, station);
      process.stderr.write(`run ${i + 1}: ${JSON.stringify(r)}\n`);
      results.push(r);
    }
    const err = (key: 'havocMs' | 'pingMs' | 'pollerMs') => results.map((r) => Math.abs(r[key] - r.truthMs));
    const medErr = {
      havoc: median(err('havocMs')),
      ping: median(err('pingMs')),
      poller: median(err('pollerMs')),
    };
    const row = (name: string, key: 'havocMs' | 'pingMs' | 'pollerMs', e: number) => [
      name,
      fmtMs(median(results.map((r) => r[key]))),
      fmtMs(e),
      fmtMs(Math.max(...err(key))),
      medErr.havoc > 0 ? `${(e / medErr.havoc).toFixed(1)}x` : 'n/a',
    ];
    process.stdout.write(
      `\n${markdownTable(
        ['method (1 s drop)', 'measured (median)', '|error| median', '|error| max', 'error vs havoc'],
        [
          row('havoc probe, http every 10 ms', 'havocMs', medErr.havoc),
          row('ping -i 0.2, lost x 0.2 s', 'pingMs', medErr.ping),
          row('HTTP poll every 200 ms, failed x 0.2 s', 'pollerMs', medErr.poller),
        ],
      )}\n(medians of ${runs} runs; truth ${fmtMs(median(results.map((r) => r.truthMs)))}; havoc late sends median ${median(
        results.map((r) => r.lateSends),
      )}, latest ${fmtMs(Math.max(...results.map((r) => r.maxLateMs)))}; nft install median ${fmtMs(
        median(results.map((r) => r.nftInstallMs)),
      )})\n`,
    );

    const targets = PORTS.map((port, i) => ({
      name: `vm${i + 1}`,
      config: { type: 'http', address, port, path: '/', expectStatus: 200 },
    }));
    const fresh = nodeScript('chaos/probes/probe-main.ts', [
      JSON.stringify({ targets, intervalMs: 10, forMs: cpuMs }),
    ]);
    await fresh.done;
    const freshSamples = fresh.lines.filter((l) => l.kind === 'probe') as unknown as ProbeSample[];
    const freshLoad = fresh.lines.find((l) => l.kind === 'probe-process') as Record<string, number>;
    const freshRtt = median(
      freshSamples.filter((s) => s.ok).map((s) => Number(BigInt(s.answeredNs!) - BigInt(s.sentNs)) / 1e6),
    );
    const keep = nodeScript('bench/probe/keepalive-poller.ts', [
      '10',
      String(cpuMs),
      ...PORTS.map((p) => `http://${address}:${p}/`),
    ]);
    await keep.done;
    const keepLine = keep.lines[0] as Record<string, number>;
    process.stdout.write(
      `\n${markdownTable(
        [
          '8 targets x 100 Hz, ' + cpuMs / 1000 + ' s',
          'requests',
          'failed',
          'CPU (one core)',
          'request median',
          'loop delay max',
          'waited for a CPU',
        ],
        [
          [
            'havoc probe (fresh connection each)',
            String(freshSamples.length),
            String(freshSamples.filter((s) => !s.ok).length),
            `${(freshLoad.cpuShare! * 100).toFixed(1)}%`,
            fmtMs(freshRtt),
            fmtMs(freshLoad.loopDelayMaxMs!),
            fmtMs(freshLoad.runQueueWaitMs!),
          ],
          [
            'node http keep-alive agent (for comparison)',
            String(keepLine.requests),
            String(keepLine.failed),
            `${(keepLine.cpuShare! * 100).toFixed(1)}%`,
            fmtMs(keepLine.medianMs!),
            fmtMs(keepLine.loopDelayMaxMs!),
            fmtMs(keepLine.runQueueWaitMs!),
          ],
        ],
      )}\n`,
    );
  } finally {
    await server?.stop();
    await labDown({ name: LAB, env, signal: AbortSignal.timeout(60_000) });
  }
}

await main();
