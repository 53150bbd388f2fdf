import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';
import { deadlineSignal } from '../core/deadline.js';
import { hostByName } from '../inventory/topology.js';
import type { AnyFault, FaultContext } from './fault.js';

/** This machine as a target would name it: its hostname and every address of its interfaces. */
export interface Station {
  hostname: string;
  addresses: ReadonlySet<string>;
}

export function thisStation(): Station {
  const addresses = new Set<string>();
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) addresses.add(a.address.replace(/%.*$/, ''));
  }
  return { hostname: hostname(), addresses };
}

const RESOLVE_MS = 3_000;

/**
 * Why the fault must not start, or nothing. The generic checks come first
 * (every host in the inventory, none of them this machine, fencing where the
 * fault needs it); the fault's own checks run only when those pass, since
 * they may have to reach the hosts.
 */
export async function refusalsOf(
  fault: AnyFault,
  params: unknown,
  ctx: FaultContext,
  station: Station,
): Promise<string[]> {
  const reasons: string[] = [];
  const known = ctx.inventory.hosts.map((h) => h.name).join(', ');
  for (const name of fault.hosts(params)) {
    const host = hostByName(ctx.inventory, name);
    if (!host) {
      reasons.push(`host "${name}" is not in the inventory ${ctx.inventoryFile} (its hosts: ${known})`);
      continue;
    }
    const self = await stationAddressOf(host.name, host.address, station, ctx.signal);
    if (self) {
      reasons.push(
        `host "${name}" is the management station itself (${self}): havoc never injects faults into the machine it runs on`,
      );
      continue;
    }
    if (fault.requiresFencing && host.fencing.levels.length === 0) {
      reasons.push(
        `host "${name}" has no fencing levels: a ${fault.name} needs a cluster that can fence the host (add hosts.${name}.fencing.levels)`,
      );
    }
  }
  if (reasons.length > 0) return reasons;
  return fault.refuse(params, ctx);
}

/** Why a host is this machine (which of its addresses it has), or undefined. */
async function stationAddressOf(
  name: string,
  address: string,
  station: Station,
  signal: AbortSignal,
): Promise<string | undefined> {
  if (name === station.hostname || address === station.hostname) return `its name is this machine's, ${name}`;
  let addresses = [address];
  if (isIP(address) === 0) {
    try {
      addresses = await resolve(address, deadlineSignal(RESOLVE_MS, `resolving ${address}`, signal));
    } catch (err) {
      // An unresolvable name cannot be this machine; the fault's own steps report it.
      if (signal.aborted) throw err;
      return undefined;
    }
  }
  const local = addresses.find((a) => station.addresses.has(a) || a.startsWith('127.') || a === '::1');
  return local === undefined ? undefined : `address ${address} is ${local}, an address of this machine`;
}

async function resolve(name: string, signal: AbortSignal): Promise<string[]> {
  const aborted = new Promise<never>((_, reject) => {
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
  const found = await Promise.race([lookup(name, { all: true }), aborted]);
  return found.map((a) => a.address);
}
