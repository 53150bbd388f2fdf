import { randomInt } from 'node:crypto';
import { z } from 'zod';
import { HAVOC_TABLE } from '../../protocols/nftables/havoc-table.js';
import { rateLimitBurstKbytes, rateLimitScript } from '../../protocols/nftables/rate-limit.js';
import {
  parseReceiverLine,
  receiverCommand,
  senderCommand,
  type TransferResult,
} from '../../protocols/tcp-transfer/perl-transfer.js';
import type { Fault, FaultContext, Observation } from '../fault.js';
import { hostOf } from '../fault-hosts.js';
import { onHost, requiredAddresses } from '../host-network.js';
import {
  deleteOnHosts,
  impairedHosts,
  impairmentFromCommandLine,
  impairmentTarget,
  impairmentWhat,
  loadOnHosts,
  observerOrThrow,
  refuseImpairment,
} from '../network-impairment.js';

const KIB = 1024;
/** The receiver gives up after this long (the transfer is sized to take about 3 s under the limit). */
const TRANSFER_S = 30;

const params = z.strictObject({
  ...impairmentTarget,
  /**
   * nftables kbytes (1024 bytes) per second and direction. At least 100, so
   * the measuring transfer stays a few seconds; at most 10240 (80 Mbit/s),
   * so the unlimited path (a veth or a 1 Gbit/s NIC is 4x faster at least)
   * can still be told apart.
   */
  kbytesPerSecond: z.number().int().min(100).max(10_240),
});
export type BandwidthParams = z.infer<typeof params>;

/**
 * The measuring transfer and what it may show. The kernel's byte limit lets
 * a full bucket through at once, which holds one second of the rate plus the
 * burst (nft_limit's tokens_max), so a transfer of B bytes under the limit
 * takes at least (B - bucket) / rate; B is 4 s of the rate, so that is about
 * 2.4-2.75 s.
 */
export function transferPlan(kbytesPerSecond: number) {
  const rate = kbytesPerSecond * KIB;
  const bucket = rate + rateLimitBurstKbytes(kbytesPerSecond) * KIB;
  const bytes = 4 * rate;
  return { bytes, rate, minSeconds: (bytes - bucket) / rate };
}

/**
 * In effect when the transfer took at least 80% of the shortest time the
 * limit allows (the 20% is the clocks' and TCP's slack: the receiver's
 * first byte comes after the handshake); absent when it ran at more than 4
 * times the limit; otherwise partial.
 */
export function bandwidthVerdict(t: TransferResult, kbytesPerSecond: number): Observation['state'] {
  const plan = transferPlan(kbytesPerSecond);
  if (t.bytes === 0) return 'partial';
  if (t.cutShort) return t.bytes / t.seconds <= plan.rate * 1.25 ? 'in-effect' : 'partial';
  if (t.seconds >= plan.minSeconds * 0.8) return 'in-effect';
  if (t.bytes / t.seconds > 4 * plan.rate) return 'absent';
  return 'partial';
}

/**
 * Limits a network's traffic on the hosts to a rate, in havoc's own
 * nftables table (`limit rate over N kbytes/second drop`, one bucket per
 * direction), one `nft -f -` over SSH per host. Verified by a TCP transfer
 * from a host the fault does not act on to each host (perl at both ends,
 * timed at the receiver); reverted by deleting the table.
 */
export const bandwidth: Fault<BandwidthParams> = {
  kind: 'fault',
  name: 'bandwidth',
  summary:
    "limit a network's traffic on hosts to N kbytes/s each way (nftables limit, havoc's own table); TARGET... the hosts, -p network=NAME -p kbytesPerSecond=N [-p toward=HOST,HOST]",
  params,
  requiresFencing: false,
  maxDurationMs: 60 * 60_000,
  fromCommandLine: (targets, options) =>
    impairmentFromCommandLine('bandwidth', 'kbytesPerSecond', targets, options),
  hosts: impairedHosts,
  refuse: (p, ctx) => refuseImpairment('bandwidth', p, ctx, { nftables: true }),
  describe(p) {
    return {
      summary: `bandwidth ${p.kbytesPerSecond} kbytes/s each way: ${impairmentWhat(p)}`,
      targets: [...p.hosts],
      revert: `delete nftables table ${HAVOC_TABLE} on ${p.hosts.join(', ')} (nft -f over SSH)`,
      secretRefs: [],
    };
  },
  inject: (p, ctx) => loadOnHosts(p, ctx, (own, peers) => rateLimitScript(own, p.kbytesPerSecond, peers)),
  async verify(p, ctx) {
    const observer = observerOrThrow('bandwidth', p, ctx.inventory);
    const seen = [];
    // One at a time: transfers to several hosts at once would share the observer's link.
    for (const name of p.hosts) seen.push(await transferTo(p, ctx, observer, name));
    const states = new Set(seen.map((s) => s.state));
    const state: Observation['state'] = states.size === 1 ? seen[0]!.state : 'partial';
    return { state, evidence: seen.map((s) => s.line) };
  },
  revert: (p, ctx) => deleteOnHosts(p, ctx),
};

async function transferTo(p: BandwidthParams, ctx: FaultContext, observer: string, target: string) {
  const a = await requiredAddresses(target, p.network, ctx);
  const address = a.v4[0] ?? a.v6[0]!;
  const port = randomInt(40_000, 60_000);
  const plan = transferPlan(p.kbytesPerSecond);
  const timeoutMs = (TRANSFER_S + 15) * 1000;
  const [received] = await Promise.all([
    onHost(ctx, hostOf(ctx, target), receiverCommand(address, port, TRANSFER_S), 'transfer receiver', {
      timeoutMs,
    }),
    onHost(
      ctx,
      hostOf(ctx, observer),
      senderCommand(address, port, plan.bytes, TRANSFER_S),
      'transfer sender',
      // A sender cut off by the receiver's deadline fails its write: the receiver's count is the result.
      { timeoutMs, allowFailure: true },
    ),
  ]);
  const t = parseReceiverLine(received.stdout);
  const state = bandwidthVerdict(t, p.kbytesPerSecond);
  const kbps = t.seconds > 0 ? t.bytes / t.seconds / KIB : Number.POSITIVE_INFINITY;
  return {
    state,
    line: `${observer} -> ${target} (${address}:${port}) on ${p.network}: ${t.bytes} bytes in ${t.seconds.toFixed(3)} s (${kbps.toFixed(0)} kbytes/s${t.cutShort ? ', cut short by the deadline' : ''}; the limit ${p.kbytesPerSecond} kbytes/s allows no less than ${plan.minSeconds.toFixed(2)} s): ${state}`,
  };
}
