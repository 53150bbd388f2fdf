import { deadlineSignal } from '../core/deadline.js';
import { HavocError } from '../core/errors.js';
import type { HostConfig } from '../inventory/schema.js';
import { sshLoginOf } from '../inventory/ssh-login.js';
import { interfacesOn } from '../inventory/topology.js';
import { addressesOf, type InterfaceAddresses } from '../protocols/iproute/addresses.js';
import { HAVOC_TABLE } from '../protocols/nftables/havoc-table.js';
import type { FaultContext } from './fault.js';
import { hostOf } from './fault-hosts.js';

/** A command on a host over SSH may take this long before it counts as failed. */
const STEP_MS = 15_000;

/** One command on an inventory host over the fault context's pooled SSH, with a deadline. */
export async function onHost(
  ctx: FaultContext,
  h: HostConfig,
  command: string,
  what: string,
  o: { stdin?: string; allowFailure?: boolean; timeoutMs?: number } = {},
) {
  const { timeoutMs, ...rest } = o;
  return ctx.ssh.exec(sshLoginOf(h), command, {
    signal: deadlineSignal(timeoutMs ?? STEP_MS, `${what} on ${h.name}`, ctx.signal),
    what: `${what} on ${h.name}`,
    ...rest,
  });
}

/** The host's addresses on the network, read from the host itself (the inventory names interfaces, not addresses). */
export async function networkAddresses(
  h: HostConfig,
  network: string,
  ctx: FaultContext,
): Promise<InterfaceAddresses> {
  const names = interfacesOn(h, network).map((i) => i.name);
  if (names.length === 0) return { v4: [], v6: [] };
  const r = await onHost(ctx, h, 'ip -j addr show', 'ip addr');
  return addressesOf(r.stdout, names);
}

/** Like networkAddresses, for a fault that cannot act without them. */
export async function requiredAddresses(
  name: string,
  network: string,
  ctx: FaultContext,
): Promise<InterfaceAddresses> {
  const a = await networkAddresses(hostOf(ctx, name), network, ctx);
  if (a.v4.length + a.v6.length === 0)
    throw new HavocError('config', `host "${name}" has no address on network ${network}`, { target: name });
  return a;
}

/**
 * A refusal when the host already carries havoc's nftables table: the faults
 * that use it put one table per host, so a second one would replace (and its
 * revert delete) the first.
 */
export async function havocTableRefusal(ctx: FaultContext, h: HostConfig): Promise<string | undefined> {
  const table = await onHost(ctx, h, `nft list table ${HAVOC_TABLE} >/dev/null 2>&1`, 'nft list table', {
    allowFailure: true,
  });
  return table.exitCode === 0
    ? `host "${h.name}" already has havoc's nftables table (${HAVOC_TABLE}): another fault is in effect or was not healed (see havoc chaos status, havoc heal)`
    : undefined;
}
