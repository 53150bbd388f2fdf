import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measureProbe } from '../../chaos/probes/measure.js';
import { startProber } from '../../chaos/probes/prober-process.js';
import type { ProbeSample } from '../../chaos/probes/sample.js';
import { pollUntil } from '../../core/deadline.js';
import type { ProbeConfig } from '../../inventory/schema.js';
import { readLabState } from '../../lab/state.js';
import { type GuestPageProcess, startGuestPageIn } from '../support/guest-page-netns.js';
import { startTestLab, type TestLab } from '../support/lab-fixture.js';
import { clearDrop, dropFor } from '../support/nft-drop.js';

/*
 * Ground truth for the probes: a real HTTP server answering like the lab
 * guest, inside lab host1's namespace, probed from the management station
 * (the root namespace) over the lab's management network, while the test
 * drops every packet between them with nftables inside host1 for exactly
 * 300, 1000 and 3000 ms of its own monotonic clock (a window the kernel
 * times, see nft-drop.ts). The http and tcp probes
 * must measure each outage within 15 ms. The prober runs in its own process
 * at real-time priority (chrt), as `havoc probe --realtime` does.
 */

const TOLERANCE_MS = 15;
const PORT = 80;
let lab: TestLab;
let server: GuestPageProcess;
let netns: string;
let address: string;
let station: string;

beforeAll(async () => {
  lab = await startTestLab('probes1', { hosts: 2 });
  const state = readLabState(lab.stateDir)!;
  const host = lab.loaded.inventory.hosts[0]!;
  netns = state.hosts[host.name]!.netns;
  address = host.address;
  station = `${address.split('.').slice(0, 3).join('.')}.1`;
  server = await startGuestPageIn(netns, address, [PORT]);
});

afterAll(async () => {
  if (netns) await clearDrop(netns, AbortSignal.timeout(10_000)).catch(() => undefined);
  await server?.stop();
  await lab?.down();
});

const ms = (ns: bigint) => Number(ns) / 1e6;

async function measureDrop(dropMs: number) {
  const probes: Record<string, ProbeConfig> = {
    http: { type: 'http', address, port: PORT, path: '/', expectStatus: 200 },
    tcp: { type: 'tcp', address, port: PORT },
    icmp: { type: 'icmp', address },
  };
  const samples: Record<string, ProbeSample[]> = { http: [], tcp: [], icmp: [] };
  // Its own process at real-time priority: on this shared machine a normal one waits seconds per minute for a CPU.
  const prober = startProber(
    { targets: Object.entries(probes).map(([name, config]) => ({ name, config })), intervalMs: 10 },
    (s) => samples[s.probe]!.push(s),
    { realtime: true },
  );
  const answeredSince = (name: string, n: number) => samples[name]!.filter((s) => s.ok).length >= n;
  const steady = (n: number) => async () =>
    Object.keys(probes).every((p) => answeredSince(p, n)) ? true : undefined;
  await pollUntil(steady(30), AbortSignal.timeout(20_000), { initialMs: 10, maxMs: 50 });
  const before = Object.fromEntries(
    Object.keys(probes).map((p) => [p, samples[p]!.filter((s) => s.ok).length]),
  );
  const drop = await dropFor(netns, station, dropMs, AbortSignal.timeout(dropMs + 20_000));
  await pollUntil(
    async () => (Object.keys(probes).every((p) => answeredSince(p, before[p]! + 30)) ? true : undefined),
    AbortSignal.timeout(20_000),
    { initialMs: 10, maxMs: 50 },
  );
  const load = await prober.stop();
  const result = Object.fromEntries(Object.keys(probes).map((p) => [p, measureProbe(samples[p]!)]));
  const report = {
    dropMs,
    truthMs: ms(drop.truthNs),
    nftInstallMs: drop.installMs,
    nftDeleteMs: drop.deleteMs,
    prober: load,
    ...Object.fromEntries(
      Object.entries(result).map(([p, m]) => [
        p,
        {
          outages: m.outages.map((o) => ms(o.durationNs)),
          errorMs: ms(m.longestOutageNs - drop.truthNs),
          failed: m.failed,
          lateSends: m.lateSends,
          maxLateMs: ms(m.maxLateNs),
        },
      ]),
    ),
  };
  console.log(`probe ground truth: ${JSON.stringify(report)}`);
  return { drop, result };
}

describe('probe ground truth: nftables drops of a known length, measured from the station', () => {
  for (const dropMs of [300, 1000, 3000]) {
    it(`measures a ${dropMs} ms drop within ${TOLERANCE_MS} ms (http and tcp)`, async () => {
      const { drop, result } = await measureDrop(dropMs);
      for (const kind of ['http', 'tcp', 'icmp']) {
        const m = result[kind]!;
        expect(m.outages, kind).toHaveLength(1);
        expect(m.outages[0]!.endNs, kind).toBeDefined();
      }
      for (const kind of ['http', 'tcp']) {
        const error = Math.abs(ms(result[kind]!.longestOutageNs - drop.truthNs));
        expect(
          error,
          `${kind} outage ${ms(result[kind]!.longestOutageNs)} ms vs ${ms(drop.truthNs)} ms`,
        ).toBeLessThanOrEqual(TOLERANCE_MS);
      }
    });
  }
});
