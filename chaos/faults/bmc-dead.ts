import { isIP } from 'node:net';
import { deadlineSignal } from '../../core/deadline.js';
import { errorMessage, HavocError } from '../../core/errors.js';
import { execProgram, inNetns } from '../../core/exec.js';
import type { BmcConfig, HostConfig } from '../../inventory/schema.js';
import { type BmcEndpoint, bmcDropScript } from '../../protocols/nftables/bmc-drop.js';
import { DELETE_HAVOC_TABLE, HAVOC_TABLE } from '../../protocols/nftables/havoc-table.js';
import { withBmcDevice } from '../bmc-device.js';
import type { Fault, FaultContext, Observation } from '../fault.js';
import { hostOf } from '../fault-hosts.js';
import { type OneHostParams, oneHostFault } from '../one-host.js';

/** One nft or BMC read may take this long; a BMC that does not answer costs its client's own retries. */
const STEP_MS = 20_000;

export type BmcDeadParams = OneHostParams;

/**
 * The host's BMC stops answering, so a fence must fall to the next level:
 * every packet to its management port (IPMI UDP 623, or the Redfish/CIMC
 * HTTPS port) is dropped in havoc's own nftables table on the firewall the
 * inventory declares on the path to it (hosts[].bmc.firewall). Verified by a
 * read through the host's bmc fence device that gets no answer; reverted by
 * deleting the table, verified by the read answering again.
 */
export const bmcDead: Fault<BmcDeadParams> = {
  ...oneHostFault('bmc-dead'),
  kind: 'fault',
  summary:
    "drop every packet to a host's BMC (nftables, havoc's own table, on the firewall hosts[].bmc.firewall declares) so fencing must fall to the next level; TARGET is one host",
  requiresFencing: true,
  maxDurationMs: 60 * 60_000,

  async refuse(p, ctx) {
    const host = hostOf(ctx, p.host);
    const bmc = host.bmc;
    if (!bmc) return [`host "${p.host}" has no bmc: there is no BMC to make dead`];
    if (!bmc.firewall) {
      return [
        `hosts.${p.host}.bmc.firewall is not declared: bmc-dead needs the firewall on the path to the BMC (a network namespace of this station that routes to it)`,
      ];
    }
    const reasons: string[] = [];
    const fallback = host.fencing.levels.some((l) => l.devices.every((d) => d.type !== 'bmc'));
    if (!fallback) {
      reasons.push(
        `host "${p.host}" has no fencing level without its BMC: with the BMC dead nothing could fence it (add a switch-ports or virsh level)`,
      );
    }
    try {
      endpointOf(bmc, p.host);
    } catch (err) {
      reasons.push(errorMessage(err));
    }
    const ns = bmc.firewall.netns;
    let listed: { code: number | null; stderr: string };
    try {
      listed = await nftIn(ns, ['nft', 'list', 'table', ...HAVOC_TABLE.split(' ')], ctx, undefined, true);
    } catch (err) {
      return [...reasons, `cannot use nftables in network namespace ${ns}: ${errorMessage(err)}`];
    }
    if (listed.code === 0) {
      reasons.push(
        `network namespace ${ns} already has havoc's nftables table (${HAVOC_TABLE}): another fault is in effect or was not healed (see havoc chaos status, havoc heal)`,
      );
    } else if (
      /Cannot open network namespace/.test(listed.stderr) ||
      !/^Error: No such file/m.test(listed.stderr)
    ) {
      // nft says "No such file or directory" for a missing table: the state bmc-dead starts from.
      reasons.push(`cannot use nftables in network namespace ${ns}: ${listed.stderr.trim()}`);
    }
    return reasons;
  },

  describe(p) {
    return {
      summary: `BMC of ${p.host} dead (its packets dropped)`,
      targets: [p.host],
      revert: `delete nftables table ${HAVOC_TABLE} in the BMC path's firewall of ${p.host} (nft -f)`,
      secretRefs: [],
    };
  },

  async inject(p, ctx) {
    const { bmc, host } = declared(ctx, p.host);
    await nftIn(bmc.firewall.netns, ['nft', '-f', '-'], ctx, bmcDropScript(endpointOf(bmc, host.name)));
  },

  async verify(p, ctx) {
    return withBmcDevice(ctx, p.host, async (device) => {
      try {
        await device.monitor(deadlineSignal(STEP_MS, `a read of ${device.description}`, ctx.signal));
        return { state: 'absent', evidence: [`${device.description}: answered`] } satisfies Observation;
      } catch (err) {
        if (ctx.signal.aborted) throw err;
        return {
          state: 'in-effect',
          evidence: [`${device.description}: no answer (${errorMessage(err)})`],
        } satisfies Observation;
      }
    });
  },

  async revert(p, ctx) {
    const { bmc } = declared(ctx, p.host);
    await nftIn(bmc.firewall.netns, ['nft', '-f', '-'], ctx, DELETE_HAVOC_TABLE);
  },
};

function declared(ctx: FaultContext, name: string) {
  const host: HostConfig = hostOf(ctx, name);
  const bmc = host.bmc;
  if (!bmc?.firewall)
    throw new HavocError('config', `hosts.${name}.bmc.firewall is not declared in ${ctx.inventoryFile}`);
  return { host, bmc: { ...bmc, firewall: bmc.firewall } };
}

/** Where the BMC listens: nftables matches addresses, so a BMC named by host name is refused. */
function endpointOf(bmc: BmcConfig, host: string): BmcEndpoint {
  let endpoint: BmcEndpoint;
  if (bmc.type === 'ipmi') endpoint = { address: bmc.address, protocol: 'udp', port: bmc.port };
  else {
    const url = new URL(bmc.type === 'redfish' ? bmc.baseUrl : bmc.url);
    const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
    endpoint = { address: url.hostname.replace(/^\[|\]$/g, ''), protocol: 'tcp', port };
  }
  if (isIP(endpoint.address) === 0) {
    throw new HavocError(
      'config',
      `the BMC of ${host} is named ${endpoint.address}: bmc-dead needs its address (nftables matches addresses)`,
    );
  }
  return endpoint;
}

async function nftIn(
  ns: string,
  argv: readonly string[],
  ctx: FaultContext,
  input?: string,
  allowFailure = false,
) {
  return execProgram(inNetns(ns, argv), {
    signal: deadlineSignal(STEP_MS, `${argv.join(' ')} in network namespace ${ns}`, ctx.signal),
    allowFailure,
    ...(input !== undefined ? { input } : {}),
  });
}
