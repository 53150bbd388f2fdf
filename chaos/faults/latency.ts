import { z } from 'zod';
import { errorMessage, HavocError } from '../../core/errors.js';
import { interfacesOn } from '../../inventory/topology.js';
import { parsePingSummary } from '../../protocols/iputils/ping-summary.js';
import type { Fault, FaultContext, Observation } from '../fault.js';
import { hostOf } from '../fault-hosts.js';
import { onHost, requiredAddresses } from '../host-network.js';
import {
  impairedHosts,
  impairmentFromCommandLine,
  impairmentWhat,
  observerOrThrow,
  refuseImpairment,
} from '../network-impairment.js';

const params = z.strictObject({
  hosts: z.array(z.string().min(1)).min(1),
  network: z.string().min(1),
  /** Added to every packet the hosts send on the network (so to every round trip through them). */
  delayMs: z.number().int().min(1).max(10_000),
});
export type LatencyParams = z.infer<typeof params>;

/**
 * Can this host run tc netem? Tried for real in a scratch network namespace
 * (`unshare -n`: nothing of the host's own is touched) and explained with
 * `modprobe -n` when it cannot. Prints `netem ok`, or what failed.
 */
export const NETEM_PROBE =
  "if ! command -v tc >/dev/null; then echo 'netem missing: no tc (iproute2)'; exit 0; fi; " +
  "if out=$(unshare -n sh -c 'ip link set lo up && tc qdisc add dev lo root netem delay 1ms' 2>&1); then echo 'netem ok'; " +
  'else echo "netem missing: tc qdisc add ... netem in a scratch namespace: $out; modprobe -n sch_netem: $(modprobe -n -v sch_netem 2>&1 || true)"; fi';

/** The refusal for one host from NETEM_PROBE's output, or undefined when netem works there. */
export function netemRefusal(host: string, probeOutput: string): string | undefined {
  const line = probeOutput.trim();
  if (line === 'netem ok') return undefined;
  const why = line.replace(/^netem missing: /, '').replace(/\s+/g, ' ');
  return `host "${host}" cannot delay packets: the latency fault needs tc netem (the sch_netem kernel module), and ${why} (packet-loss and bandwidth work without it)`;
}

/**
 * Delays every packet the hosts send on a network with tc netem on their
 * interfaces there (`tc qdisc replace dev IF root netem delay N ms`, which
 * puts the interface's default qdisc back when deleted). Refused on a host
 * where netem does not work (no sch_netem module: these machines). Verified
 * by the round trip time of pings from a host the fault does not act on;
 * reverted by deleting the root qdisc where it is netem.
 */
export const latency: Fault<LatencyParams> = {
  kind: 'fault',
  name: 'latency',
  summary:
    'add N ms to every packet hosts send on a network (tc netem; refused where the sch_netem module is missing); TARGET... the hosts, -p network=NAME -p delayMs=N',
  params,
  requiresFencing: false,
  maxDurationMs: 60 * 60_000,
  fromCommandLine(targets, options) {
    const { toward, ...rest } = impairmentFromCommandLine('latency', 'delayMs', targets, options);
    if (toward !== undefined)
      throw new HavocError(
        'usage',
        'latency has no parameter "toward": netem delays everything an interface sends',
      );
    return rest;
  },
  hosts: impairedHosts,
  async refuse(p, ctx) {
    const reasons = await refuseImpairment('latency', p, ctx, { nftables: false });
    if (reasons.length > 0) return reasons;
    await Promise.all(
      p.hosts.map(async (name) => {
        try {
          const r = await onHost(ctx, hostOf(ctx, name), NETEM_PROBE, 'netem check');
          const refusal = netemRefusal(name, r.stdout);
          if (refusal) reasons.push(refusal);
        } catch (err) {
          reasons.push(`host "${name}" cannot be checked for tc netem over SSH: ${errorMessage(err)}`);
        }
      }),
    );
    return reasons.sort();
  },
  describe(p) {
    return {
      summary: `latency +${p.delayMs} ms: ${impairmentWhat(p)}`,
      targets: [...p.hosts],
      revert: `delete the netem root qdisc of ${p.hosts.join(', ')}'s interfaces on ${p.network} (tc over SSH)`,
      secretRefs: [],
    };
  },
  async inject(p, ctx) {
    await forEachInterface(p, ctx, (dev) => `tc qdisc replace dev ${dev} root netem delay ${p.delayMs}ms`);
  },
  async verify(p, ctx) {
    const observer = observerOrThrow('latency', p, ctx.inventory);
    const seen = await Promise.all(
      p.hosts.map(async (name) => {
        const a = await requiredAddresses(name, p.network, ctx);
        const address = a.v4[0] ?? a.v6[0]!;
        const r = await onHost(
          ctx,
          hostOf(ctx, observer),
          `ping -n -q -c 10 -i 0.05 -W 5 ${address}`,
          'ping',
          {
            allowFailure: true,
            timeoutMs: 60_000,
          },
        );
        const s = parsePingSummary(r.stdout);
        const min = s.rtt?.min;
        // netem adds delayMs to each packet; the fastest round trip cannot be shorter than that.
        const state: Observation['state'] =
          min === undefined
            ? 'partial'
            : min >= p.delayMs * 0.95
              ? 'in-effect'
              : min < p.delayMs / 2
                ? 'absent'
                : 'partial';
        return {
          state,
          line: `${observer} -> ${name} (${address}): ${s.received}/${s.transmitted} answered, fastest round trip ${min ?? '-'} ms (+${p.delayMs} ms wanted): ${state}`,
        };
      }),
    );
    const states = new Set(seen.map((s) => s.state));
    return { state: states.size === 1 ? seen[0]!.state : 'partial', evidence: seen.map((s) => s.line) };
  },
  async revert(p, ctx) {
    // Only a netem root qdisc is ours to delete: `tc qdisc show` names it.
    await forEachInterface(
      p,
      ctx,
      (dev) =>
        `if tc qdisc show dev ${dev} root | grep -q '^qdisc netem '; then tc qdisc del dev ${dev} root; fi`,
    );
  },
};

async function forEachInterface(p: LatencyParams, ctx: FaultContext, command: (dev: string) => string) {
  await Promise.all(
    p.hosts.map(async (name) => {
      const h = hostOf(ctx, name);
      for (const i of interfacesOn(h, p.network)) {
        if (!/^[A-Za-z0-9_.@:-]+$/.test(i.name))
          throw new HavocError(
            'config',
            `host ${name}: interface name "${i.name}" is not one tc can be given`,
          );
        await onHost(ctx, h, command(i.name), `tc on ${i.name}`);
      }
    }),
  );
}
