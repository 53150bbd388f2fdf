import { z } from 'zod';
import { errorMessage, HavocError } from '../../core/errors.js';
import { hostByName, interfacesOn } from '../../inventory/topology.js';
import { DELETE_HAVOC_TABLE, HAVOC_TABLE, partitionScript } from '../../protocols/nftables/havoc-table.js';
import type { Fault, FaultContext, Observation } from '../fault.js';
import { hostOf } from '../fault-hosts.js';
import { refuseUnknownOptions } from '../fault-options.js';
import { havocTableRefusal, networkAddresses, onHost, requiredAddresses } from '../host-network.js';

const hostName = z.string().min(1);

const params = z
  .strictObject({
    /** The inventory network cut; traffic between the groups on every other network still flows. */
    network: z.string().min(1),
    /** Two or more disjoint groups of hosts; hosts of one group no longer reach those of another. */
    groups: z.array(z.array(hostName).min(1)).min(2, 'at least two groups of hosts'),
  })
  .refine((p) => new Set(p.groups.flat()).size === p.groups.flat().length, {
    message: 'a host may be in only one group',
    path: ['groups'],
  });
export type NetworkPartitionParams = z.infer<typeof params>;

const CLI_OPTIONS = new Set(['network', 'against']);

/**
 * Cuts one network between groups of hosts with nftables inside each host,
 * in havoc's own table (one atomic `nft -f -` over SSH). Verified by pings
 * across the cut, from each side's hosts, that no longer get an answer;
 * reverted by deleting havoc's table, verified by the pings answering again.
 */
export const networkPartition: Fault<NetworkPartitionParams> = {
  name: 'network-partition',
  kind: 'fault',
  summary:
    "cut a network between groups of hosts (nftables in havoc's own table inside each host); TARGET... is one side, -p against=h2,h3 the other (default: every other host on the network), -p network=NAME",
  params,
  requiresFencing: true,
  maxDurationMs: 60 * 60_000,

  fromCommandLine(targets, options, inventory) {
    refuseUnknownOptions(
      'network-partition',
      options,
      CLI_OPTIONS,
      'its parameters are network=NAME and against=HOST,HOST',
    );
    const network = options.network;
    if (!network) throw new HavocError('usage', 'network-partition needs -p network=NAME');
    const against =
      options.against !== undefined
        ? options.against.split(',').filter(Boolean)
        : inventory.hosts
            .filter((h) => !targets.includes(h.name) && interfacesOn(h, network).length > 0)
            .map((h) => h.name);
    return { network, groups: [[...targets], against] };
  },

  hosts: (p) => p.groups.flat(),

  async refuse(p, ctx) {
    if (!ctx.inventory.networks.some((n) => n.name === p.network)) {
      return [
        `network "${p.network}" is not in the inventory (its networks: ${ctx.inventory.networks.map((n) => n.name).join(', ')})`,
      ];
    }
    const reasons: string[] = [];
    await Promise.all(
      p.groups.flat().map(async (name) => {
        const host = hostByName(ctx.inventory, name)!;
        try {
          const addrs = await networkAddresses(host, p.network, ctx);
          if (addrs.v4.length + addrs.v6.length === 0)
            reasons.push(`host "${name}" has no address on network ${p.network}`);
          const table = await havocTableRefusal(ctx, host);
          if (table) reasons.push(table);
        } catch (err) {
          reasons.push(`host "${name}" cannot be prepared over SSH: ${errorMessage(err)}`);
        }
      }),
    );
    return reasons.sort();
  },

  describe(p) {
    return {
      summary: `partition network ${p.network}: ${p.groups.map((g) => g.join(',')).join(' | ')}`,
      targets: p.groups.flat(),
      revert: `delete nftables table ${HAVOC_TABLE} on ${p.groups.flat().join(', ')} (nft -f over SSH)`,
      secretRefs: [],
    };
  },

  async inject(p, ctx) {
    const addrs = await addressesByHost(p, ctx);
    await Promise.all(
      p.groups.flatMap((group, g) =>
        group.map(async (name) => {
          const others = p.groups.flatMap((other, o) => (o === g ? [] : other));
          const peers = {
            v4: others.flatMap((n) => addrs.get(n)!.v4),
            v6: others.flatMap((n) => addrs.get(n)!.v6),
          };
          await onHost(ctx, hostOf(ctx, name), 'nft -f -', `loading ${HAVOC_TABLE}`, {
            stdin: partitionScript(peers),
          });
        }),
      ),
    );
  },

  async verify(p, ctx) {
    const addrs = await addressesByHost(p, ctx);
    const pairs = p.groups.flatMap((group, g) =>
      group.flatMap((from) =>
        p.groups.flatMap((other, o) => (o === g ? [] : other.map((to) => ({ from, to })))),
      ),
    );
    const seen = await Promise.all(
      pairs.map(async ({ from, to }) => {
        const a = addrs.get(to)!;
        const target = a.v4[0] ?? a.v6[0]!;
        const r = await onHost(
          ctx,
          hostOf(ctx, from),
          `ping -c 2 -i 0.2 -W 1 -n -q ${target}`,
          `ping ${to}`,
          {
            allowFailure: true,
          },
        );
        if (r.exitCode !== 0 && r.exitCode !== 1) {
          throw new HavocError(
            'observation',
            `ping from ${from} to ${to} (${target}) could not run: ${r.stderr.trim()}`,
            {
              target: from,
            },
          );
        }
        const crossed = r.exitCode === 0;
        return {
          crossed,
          line: `${from} -> ${to} (${target}) on ${p.network}: ${crossed ? 'answered' : 'no answer'}`,
        };
      }),
    );
    const crossed = seen.filter((s) => s.crossed).length;
    const state: Observation['state'] =
      crossed === 0 ? 'in-effect' : crossed === seen.length ? 'absent' : 'partial';
    return { state, evidence: seen.map((s) => s.line) };
  },

  async revert(p, ctx) {
    const failures: string[] = [];
    await Promise.all(
      p.groups.flat().map(async (name) => {
        try {
          await onHost(ctx, hostOf(ctx, name), 'nft -f -', `deleting ${HAVOC_TABLE}`, {
            stdin: DELETE_HAVOC_TABLE,
          });
        } catch (err) {
          failures.push(`${name}: ${errorMessage(err)}`);
        }
      }),
    );
    if (failures.length > 0) {
      throw new HavocError('revert', `could not delete ${HAVOC_TABLE} on ${failures.sort().join('; ')}`);
    }
  },
};

async function addressesByHost(p: NetworkPartitionParams, ctx: FaultContext) {
  const list = await Promise.all(
    p.groups.flat().map(async (name) => [name, await requiredAddresses(name, p.network, ctx)] as const),
  );
  return new Map(list);
}
