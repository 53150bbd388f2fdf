import { z } from 'zod';
import { HavocError } from '../../core/errors.js';
import { parsePingSummary } from '../../protocols/iputils/ping-summary.js';
import { HAVOC_TABLE } from '../../protocols/nftables/havoc-table.js';
import { packetLossScript } from '../../protocols/nftables/packet-loss.js';
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

/** Pings per observation: enough for a 4-sigma band that never reaches 0 loss for percent >= 5 (see lossVerdict). */
export const PINGS = 200;

const params = z.strictObject({
  ...impairmentTarget,
  /** Per packet and per direction; below 5 a loss cannot be told from none with PINGS pings. */
  percent: z.number().int().min(5).max(95),
});
export type PacketLossParams = z.infer<typeof params>;

/** A round trip crosses the drop twice (the request in, the reply out), each drawn independently. */
export const roundTripLoss = (percent: number) => 1 - (1 - percent / 100) ** 2;

/**
 * Is `lost` of `sent` round trips what `percent` % per direction gives? The
 * count is binomial(n, q), q = roundTripLoss: in effect when it is within 4
 * standard deviations of n*q (a correct fault falls outside once in about
 * 16,000 observations); absent when at most 1% was lost (a loaded veth does
 * not lose pings; 1% forgives two); otherwise partial. For percent >= 5 and
 * n = 200 the two ranges never meet (q - 4 sigma > 1.3%).
 */
export function lossVerdict(sent: number, lost: number, percent: number): Observation['state'] {
  const q = roundTripLoss(percent);
  const sigma = Math.sqrt((q * (1 - q)) / sent);
  const ratio = lost / sent;
  if (Math.abs(ratio - q) <= 4 * sigma) return 'in-effect';
  if (ratio <= 0.01) return 'absent';
  return 'partial';
}

/**
 * Drops a share of a network's packets at random on the hosts, in havoc's
 * own nftables table (`numgen random mod 100 < N drop`, both directions,
 * optionally only toward some hosts), one `nft -f -` over SSH per host.
 * Verified by 200 pings every 10 ms from a host the fault does not act on,
 * whose loss must match N (lossVerdict); reverted by deleting the table.
 */
export const packetLoss: Fault<PacketLossParams> = {
  kind: 'fault',
  name: 'packet-loss',
  summary:
    "drop N% of a network's packets at random on hosts (nftables numgen, havoc's own table), both directions; TARGET... the hosts, -p network=NAME -p percent=N [-p toward=HOST,HOST]",
  params,
  requiresFencing: false,
  maxDurationMs: 60 * 60_000,
  fromCommandLine: (targets, options) =>
    impairmentFromCommandLine('packet-loss', 'percent', targets, options),
  hosts: impairedHosts,
  refuse: (p, ctx) => refuseImpairment('packet-loss', p, ctx, { nftables: true }),
  describe(p) {
    return {
      summary: `packet loss ${p.percent}% each way: ${impairmentWhat(p)}`,
      targets: [...p.hosts],
      revert: `delete nftables table ${HAVOC_TABLE} on ${p.hosts.join(', ')} (nft -f over SSH)`,
      secretRefs: [],
    };
  },
  inject: (p, ctx) => loadOnHosts(p, ctx, (own, peers) => packetLossScript(own, p.percent, peers)),
  async verify(p, ctx) {
    const observer = observerOrThrow('packet-loss', p, ctx.inventory);
    const seen = await Promise.all(p.hosts.map((name) => pingAcross(p, ctx, observer, name)));
    const states = new Set(seen.map((s) => s.state));
    const state: Observation['state'] = states.size === 1 ? seen[0]!.state : 'partial';
    return { state, evidence: seen.map((s) => s.line) };
  },
  revert: (p, ctx) => deleteOnHosts(p, ctx),
};

async function pingAcross(p: PacketLossParams, ctx: FaultContext, observer: string, target: string) {
  const a = await requiredAddresses(target, p.network, ctx);
  const address = a.v4[0] ?? a.v6[0]!;
  const r = await onHost(
    ctx,
    hostOf(ctx, observer),
    `ping -n -q -c ${PINGS} -i 0.01 -W 1 ${address}`,
    `ping ${target}`,
    { allowFailure: true, timeoutMs: 60_000 },
  );
  if (r.exitCode !== 0 && r.exitCode !== 1)
    throw new HavocError(
      'observation',
      `ping from ${observer} to ${target} could not run: ${r.stderr.trim()}`,
      {
        target: observer,
      },
    );
  const s = parsePingSummary(r.stdout);
  const lost = s.transmitted - s.received;
  const state = lossVerdict(s.transmitted, lost, p.percent);
  const expected = (roundTripLoss(p.percent) * 100).toFixed(1);
  return {
    state,
    line: `${observer} -> ${target} (${address}) on ${p.network}: ${lost} of ${s.transmitted} round trips lost (${((lost / s.transmitted) * 100).toFixed(1)}%; ${expected}% expected at ${p.percent}% each way): ${state}`,
  };
}
