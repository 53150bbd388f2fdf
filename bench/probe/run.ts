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
import { measureProbe } from '../../chaos/probes/measure.js';
import { startProber } from '../../chaos/probes/prober-process.js';
import type { ProbeSample } from '../../chaos/probes/sample.js';
import { pollUntil } from '../../core/deadline.js';
import { Redactor } from '../../core/redact.js';
import { loadInventory } from '../../inventory/load.js';
import { labDown } from '../../lab/down.js';
import { readLabState } from '../../lab/state.js';
import { labUp } from '../../lab/up.js';
import { startGuestPageIn } from '../../test/support/guest-page-netns.js';
import { dropFor } from '../../test/support/nft-drop.js';
import { benchArgs, positiveNumber } from '../support/args.js';
import { fmtMs, markdownTable, median } from '../support/stats.js';
import { pingUser, poller200 } from './user-methods.js';

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

type Method = 'havocRt' | 'havoc' | 'ping' | 'poller';

async function accuracyRun(netns: string, address: string, station: string, dropMs: number) {
  const target = {
    name: 'vm',
    config: { type: 'http' as const, address, port: 80, path: '/', expectStatus: 200 },
  };
  const samples: Record<'havocRt' | 'havoc', ProbeSample[]> = { havocRt: [], havoc: [] };
  const rt = startProber({ targets: [target], intervalMs: 10 }, (x) => samples.havocRt.push(x), {
    realtime: true,
  });
  const normal = startProber({ targets: [target], intervalMs: 10 }, (x) => samples.havoc.push(x));
  const ping = pingUser(address);
  const poller = poller200(`http://${address}/`);
  const answered = () => Math.min(...Object.values(samples).map((xs) => xs.filter((x) => x.ok).length));
  await pollUntil(async () => (answered() >= 50 ? true : undefined), AbortSignal.timeout(20_000), {
    initialMs: 20,
    maxMs: 100,
  });
  // ping and the poller see the steady state for a few of their intervals too.
  await new Promise((r) => setTimeout(r, 600));
  const drop = await dropFor(netns, station, dropMs, AbortSignal.timeout(30_000));
  const before = answered();
  await pollUntil(async () => (answered() >= before + 50 ? true : undefined), AbortSignal.timeout(20_000), {
    initialMs: 20,
    maxMs: 100,
  });
  await new Promise((r) => setTimeout(r, 600));
  const [pinged, polled, rtLoad, normalLoad] = await Promise.all([
    ping.stop(),
    poller.stop(),
    rt.stop(),
    normal.stop(),
  ]);
  const mRt = measureProbe(samples.havocRt);
  const m = measureProbe(samples.havoc);
  const ms = (ns: bigint) => Number(ns) / 1e6;
  return {
    truthMs: ms(drop.truthNs),
    havocRtMs: ms(mRt.longestOutageNs),
    havocMs: ms(m.longestOutageNs),
    pingMs: (pinged.transmitted - pinged.received) * 200,
    pollerMs: polled.failed * 200,
    rt: { lateSends: mRt.lateSends, maxLateMs: ms(mRt.maxLateNs), runQueueWaitMs: rtLoad.runQueueWaitMs },
    normal: { lateSends: m.lateSends, maxLateMs: ms(m.maxLateNs), runQueueWaitMs: normalLoad.runQueueWaitMs },
    nftInstallMs: drop.installMs,
  };
}

function accuracyTable(dropMs: number, results: Awaited<ReturnType<typeof accuracyRun>>[]): string {
  const err = (key: Method) => results.map((r) => Math.abs(r[`${key}Ms`] - r.truthMs));
  const base = median(err('havocRt'));
  const row = (name: string, key: Method) => [
    name,
    fmtMs(median(results.map((r) => r[`${key}Ms`]))),
    fmtMs(median(err(key))),
    fmtMs(Math.max(...err(key))),
    base > 0 ? `${(median(err(key)) / base).toFixed(1)}x` : 'n/a',
  ];
  return `${markdownTable(
    [
      `method (${fmtMs(dropMs)} drop)`,
      'measured (median)',
      '|error| median',
      '|error| max',
      'median error / havoc real-time',
    ],
    [
      row('havoc probe, http every 10 ms, real-time prober', 'havocRt'),
      row('havoc probe, http every 10 ms, normal priority', 'havoc'),
      row('ping -i 0.2: lost x 0.2 s', 'ping'),
      row('HTTP GET every 200 ms: failed x 0.2 s (Tempest NetDowntimeMeter method)', 'poller'),
    ],
  )}
(${results.length} runs; late sends of the normal-priority prober: median ${median(results.map((r) => r.normal.lateSends))}, latest ${fmtMs(
    Math.max(...results.map((r) => r.normal.maxLateMs)),
  )}, waited for a CPU ${fmtMs(median(results.map((r) => r.normal.runQueueWaitMs)))} per run; real-time: late sends median ${median(
    results.map((r) => r.rt.lateSends),
  )}, waited ${fmtMs(median(results.map((r) => r.rt.runQueueWaitMs)))}; nft install median ${fmtMs(median(results.map((r) => r.nftInstallMs)))})`;
}

async function main(): Promise<void> {
  const usage =
    'node --import tsx bench/probe/run.ts [--runs 5] [--cpu-seconds 20] [--drops 1000,1150]   (as root)';
  const values = benchArgs(usage, {
    runs: { type: 'string', default: '5' },
    'cpu-seconds': { type: 'string', default: '20' },
    drops: { type: 'string', default: `${DROP_MS},1150` },
  });
  const runs = positiveNumber(values.runs, '--runs', usage);
  const drops = values.drops.split(',').map((d) => positiveNumber(d, '--drops', usage));
  const cpuMs = positiveNumber(values['cpu-seconds'], '--cpu-seconds', usage) * 1000;
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

    for (const dropMs of drops) {
      const results: Awaited<ReturnType<typeof accuracyRun>>[] = [];
      for (let i = 0; i < runs; i++) {
        const r = await accuracyRun(netns, address, station, dropMs);
        process.stderr.write(`${dropMs} ms run ${i + 1}: ${JSON.stringify(r)}\n`);
        results.push(r);
      }
      process.stdout.write(`\n${accuracyTable(dropMs, results)}\n`);
    }

    const targets = PORTS.map((port, i) => ({
      name: `vm${i + 1}`,
      config: { type: 'http' as const, address, port, path: '/', expectStatus: 200 },
    }));
    const cpuRow = async (name: string, realtime: boolean) => {
      const got: ProbeSample[] = [];
      const load = await startProber({ targets, intervalMs: 10, forMs: cpuMs }, (x) => got.push(x), {
        realtime,
      }).done;
      const rtt = median(
        got.filter((x) => x.ok).map((x) => Number(BigInt(x.answeredNs!) - BigInt(x.sentNs)) / 1e6),
      );
      return [
        name,
        String(got.length),
        String(got.filter((x) => !x.ok).length),
        `${(load.cpuShare * 100).toFixed(1)}% (kernel ${((load.systemMs / load.wallMs) * 100).toFixed(1)}%)`,
        fmtMs(rtt),
        fmtMs(load.loopDelayMaxMs),
        fmtMs(load.runQueueWaitMs),
      ];
    };
    const rows = [
      await cpuRow('havoc probe, fresh connection each, real-time', true),
      await cpuRow('havoc probe, fresh connection each, normal priority', false),
    ];
    const keep = nodeScript('bench/probe/keepalive-poller.ts', [
      '10',
      String(cpuMs),
      ...PORTS.map((p) => `http://${address}:${p}/`),
    ]);
    await keep.done;
    const k = keep.lines[0] as Record<string, number>;
    rows.push([
      'node http keep-alive agent, normal priority (for comparison)',
      String(k.requests),
      String(k.failed),
      `${(k.cpuShare! * 100).toFixed(1)}% (kernel ${((k.systemMs! / k.wallMs!) * 100).toFixed(1)}%)`,
      fmtMs(k.medianMs!),
      fmtMs(k.loopDelayMaxMs!),
      fmtMs(k.runQueueWaitMs!),
    ]);
    process.stdout.write(
      `\n${markdownTable(
        [
          `8 targets x 100 Hz for ${cpuMs / 1000} s (${(cpuMs / 10) * 8} planned)`,
          'requests',
          'failed',
          'CPU of one core',
          'request median',
          'loop delay max',
          'waited for a CPU',
        ],
        rows,
      )}\n`,
    );
  } finally {
    await server?.stop();
    await labDown({ name: LAB, env, signal: AbortSignal.timeout(60_000) });
  }
}

await main();
