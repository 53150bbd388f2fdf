import { z } from 'zod';
import { errorMessage, HavocError } from '../core/errors.js';
import type { Inventory } from '../inventory/schema.js';
import { hostByName, interfacesOn } from '../inventory/topology.js';
import type { InterfaceAddresses } from '../protocols/iproute/addresses.js';
import { DELETE_HAVOC_TABLE, HAVOC_TABLE } from '../protocols/nftables/havoc-table.js';
import type { FaultContext } from './fault.js';
import { hostOf } from './fault-hosts.js';
import { refuseUnknownOptions } from './fault-options.js';
import { havocTableRefusal, networkAddresses, onHost, requiredAddresses } from './host-network.js';

/*
 * What packet-loss, bandwidth and latency share: hosts, the network whose
 * traffic they impair, optionally only toward some hosts, and the host that
 * observes it (another host on that network, so the observation crosses
 * the impaired path from outside the host that carries it).
 */

export const impairmentTarget = {
  hosts: z.array(z.string().min(1)).min(1),
  network: z.string().min(1),
  /** Only traffic with these hosts is impaired; by default all of the network's. */
  toward: z.array(z.string().min(1)).min(1).optional(),
};

export interface ImpairmentTarget {
  hosts: string[];
  network: string;
  toward?: string[] | undefined;
}

/** `-p network=NAME [-p toward=h2,h3]` plus the fault's own keys; `value` is the fault's one number. */
export function impairmentFromCommandLine(
  fault: string,
  valueKey: string,
  targets: readonly string[],
  options: Readonly<Record<string, string>>,
): ImpairmentTarget & Record<string, unknown> {
  refuseUnknownOptions(
    fault,
    options,
    new Set(['network', 'toward', valueKey]),
    `its parameters are network=NAME, ${valueKey}=N and optionally toward=HOST,HOST`,
  );
  if (targets.length === 0) throw new HavocError('usage', `${fault} needs at least one host`);
  const { network, toward } = options;
  if (!network) throw new HavocError('usage', `${fault} needs -p network=NAME`);
  const raw = options[valueKey];
  if (raw === undefined) throw new HavocError('usage', `${fault} needs -p ${valueKey}=N`);
  if (!/^\d+$/.test(raw))
    throw new HavocError('usage', `${fault}: -p ${valueKey}=${raw} is not a whole number`);
  return {
    hosts: [...targets],
    network,
    ...(toward !== undefined ? { toward: toward.split(',').filter(Boolean) } : {}),
    [valueKey]: Number(raw),
  };
}

/** Every host named, for the engine's refusals (unknown host, the station). */
export const impairedHosts = (p: ImpairmentTarget) => [...p.hosts, ...(p.toward ?? [])];

/**
 * The host that watches the impairment: the first inventory host on the
 * network that is not impaired itself (one of `toward` when given).
 */
export function observerOf(p: ImpairmentTarget, inv: Inventory): string | undefined {
  const candidates = p.toward ?? inv.hosts.map((h) => h.name);
  return candidates.find((name) => {
    const h = hostByName(inv, name);
    return h !== undefined && !p.hosts.includes(name) && interfacesOn(h, p.network).length > 0;
  });
}

export function observerOrThrow(fault: string, p: ImpairmentTarget, inv: Inventory): string {
  const o = observerOf(p, inv);
  if (!o)
    throw new HavocError('config', `${fault}: no host on network ${p.network} is left to observe it`, {
      hint: 'impair fewer hosts, or name a host it does not act on with -p toward=HOST',
    });
  return o;
}

/**
 * Reasons not to start that every nftables impairment shares: the network
 * and hosts exist and have addresses there, an observer is left, and no
 * host already carries havoc's table.
 */
export async function refuseImpairment(
  fault: string,
  p: ImpairmentTarget,
  ctx: FaultContext,
  opts: { nftables: boolean },
): Promise<string[]> {
  if (!ctx.inventory.networks.some((n) => n.name === p.network)) {
    return [
      `network "${p.network}" is not in the inventory (its networks: ${ctx.inventory.networks.map((n) => n.name).join(', ')})`,
    ];
  }
  const reasons: string[] = [];
  const overlap = (p.toward ?? []).filter((t) => p.hosts.includes(t));
  if (overlap.length > 0) reasons.push(`${overlap.join(', ')} cannot be both impaired and toward`);
  if (!observerOf(p, ctx.inventory)) {
    reasons.push(
      `no host on network ${p.network} is left to observe the ${fault} from outside (impair fewer hosts, or add -p toward=HOST)`,
    );
  }
  await Promise.all(
    impairedHosts(p).map(async (name) => {
      const host = hostByName(ctx.inventory, name);
      if (!host) return; // the engine's refusal names it
      try {
        const addrs = await networkAddresses(host, p.network, ctx);
        if (addrs.v4.length + addrs.v6.length === 0)
          reasons.push(`host "${name}" has no address on network ${p.network}`);
        if (opts.nftables && p.hosts.includes(name)) {
          const table = await havocTableRefusal(ctx, host);
          if (table) reasons.push(table);
        }
      } catch (err) {
        reasons.push(`host "${name}" cannot be prepared over SSH: ${errorMessage(err)}`);
      }
    }),
  );
  return reasons.sort();
}

/** Loads `script(own, peers)` on every impaired host in one `nft -f -` each. */
export async function loadOnHosts(
  p: ImpairmentTarget,
  ctx: FaultContext,
  script: (own: InterfaceAddresses, peers: InterfaceAddresses | undefined) => string,
): Promise<void> {
  const peers = p.toward ? await mergedAddresses(p.toward, p.network, ctx) : undefined;
  await Promise.all(
    p.hosts.map(async (name) => {
      const own = await requiredAddresses(name, p.network, ctx);
      await onHost(ctx, hostOf(ctx, name), 'nft -f -', `loading ${HAVOC_TABLE}`, {
        stdin: script(own, peers),
      });
    }),
  );
}

/** Deletes havoc's table on every impaired host (a no-op where there is none). */
export async function deleteOnHosts(p: ImpairmentTarget, ctx: FaultContext): Promise<void> {
  const failures: string[] = [];
  await Promise.all(
    p.hosts.map(async (name) => {
      try {
        await onHost(ctx, hostOf(ctx, name), 'nft -f -', `deleting ${HAVOC_TABLE}`, {
          stdin: DELETE_HAVOC_TABLE,
        });
      } catch (err) {
        failures.push(`${name}: ${errorMessage(err)}`);
      }
    }),
  );
  if (failures.length > 0)
    throw new HavocError('revert', `could not delete ${HAVOC_TABLE} on ${failures.sort().join('; ')}`);
}

async function mergedAddresses(names: readonly string[], network: string, ctx: FaultContext) {
  const all = await Promise.all(names.map((n) => requiredAddresses(n, network, ctx)));
  return { v4: all.flatMap((a) => a.v4), v6: all.flatMap((a) => a.v6) };
}

export function impairmentWhat(p: ImpairmentTarget): string {
  return `${p.hosts.join(', ')} on network ${p.network}${p.toward ? ` toward ${p.toward.join(', ')}` : ''}`;
}
