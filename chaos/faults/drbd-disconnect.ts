import { z } from 'zod';
import { deadlineSignal, pollUntil } from '../../core/deadline.js';
import { errorMessage, HavocError } from '../../core/errors.js';
import type { HostConfig, Inventory } from '../../inventory/schema.js';
import { connectionStates, parseEvents2 } from '../../protocols/drbd/index.js';
import type { Fault, FaultContext, Observation } from '../fault.js';
import { hostOf } from '../fault-hosts.js';
import { refuseUnknownOptions } from '../fault-options.js';
import { onHost } from '../host-network.js';

/** A reconnect takes the peers a handshake (and a resync of what changed meanwhile has no bearing on Connected). */
const CONNECT_WAIT_MS = 60_000;

const params = z.strictObject({
  host: z.string().min(1),
  /** A resource of a drbd storage in the inventory that names the host among its peers. */
  resource: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'a DRBD resource name (letters, digits, _ . -)'),
});
export type DrbdDisconnectParams = z.infer<typeof params>;

/**
 * Cuts a DRBD resource's replication from one host: `drbdadm disconnect RES`
 * over SSH (the resource goes StandAlone there, Connecting on its peers).
 * Verified by `drbdsetup events2 --now RES` on the host: no connection
 * Connected; reverted by `drbdadm connect RES` (only when it is not
 * connected: connect on a connected resource fails) and waiting until every
 * connection reads Connected.
 */
export const drbdDisconnect: Fault<DrbdDisconnectParams> = {
  kind: 'fault',
  name: 'drbd-disconnect',
  summary:
    'disconnect a DRBD resource on a host (drbdadm disconnect over SSH; connect on revert); TARGET is one host, -p resource=NAME',
  params,
  requiresFencing: true,
  maxDurationMs: 60 * 60_000,
  fromCommandLine(targets, options) {
    refuseUnknownOptions('drbd-disconnect', options, new Set(['resource']), 'its parameter is resource=NAME');
    if (targets.length !== 1)
      throw new HavocError('usage', `drbd-disconnect acts on one host, got ${targets.length}`, {
        hint: 'havoc chaos inject drbd-disconnect HOST -p resource=NAME',
      });
    if (options.resource === undefined)
      throw new HavocError('usage', 'drbd-disconnect needs -p resource=NAME');
    return { host: targets[0], resource: options.resource };
  },
  hosts: (p) => [p.host],
  async refuse(p, ctx) {
    const known = drbdResources(ctx.inventory);
    const r = known.find((x) => x.name === p.resource);
    if (!r)
      return [
        `DRBD resource "${p.resource}" is not in the inventory (its resources: ${known.map((x) => x.name).join(', ') || 'none'})`,
      ];
    if (!r.peers.includes(p.host))
      return [
        `host "${p.host}" is not a peer of DRBD resource ${p.resource} (its peers: ${r.peers.join(', ')})`,
      ];
    try {
      const states = await readStates(p, ctx);
      if (states.size === 0)
        return [`DRBD resource ${p.resource} on ${p.host} has no connection to disconnect`];
      const down = [...states].filter(([, s]) => s !== 'Connected');
      if (down.length > 0)
        return [
          `DRBD resource ${p.resource} on ${p.host} is already not connected (${down.map(([peer, s]) => `${peer} ${s}`).join(', ')}): its revert would connect it`,
        ];
      return [];
    } catch (err) {
      return [`DRBD resource ${p.resource} on ${p.host} cannot be read: ${errorMessage(err)}`];
    }
  },
  describe(p) {
    return {
      summary: `DRBD resource ${p.resource} disconnected on ${p.host}`,
      targets: [p.host],
      revert: `drbdadm connect ${p.resource} on ${p.host} (over SSH) and wait for Connected`,
      secretRefs: [],
    };
  },
  async inject(p, ctx) {
    await onHost(ctx, host(ctx, p), `drbdadm disconnect ${p.resource}`, `drbdadm disconnect ${p.resource}`);
  },
  async verify(p, ctx) {
    const states = await readStates(p, ctx);
    const evidence = [...states].map(([peer, s]) => `${p.host} ${p.resource} -> ${peer}: ${s}`);
    if (states.size === 0)
      return { state: 'partial', evidence: [`${p.host} ${p.resource}: no connection listed`] };
    const connected = [...states.values()].filter((s) => s === 'Connected').length;
    const state: Observation['state'] =
      connected === 0 ? 'in-effect' : connected === states.size ? 'absent' : 'partial';
    return { state, evidence };
  },
  async revert(p, ctx) {
    const states = await readStates(p, ctx);
    if (states.size > 0 && [...states.values()].every((s) => s === 'Connected')) return;
    await onHost(ctx, host(ctx, p), `drbdadm connect ${p.resource}`, `drbdadm connect ${p.resource}`);
    let last = '';
    await pollUntil(
      async () => {
        const now = await readStates(p, ctx);
        last = [...now].map(([peer, s]) => `${peer} ${s}`).join(', ');
        return now.size > 0 && [...now.values()].every((s) => s === 'Connected') ? true : undefined;
      },
      deadlineSignal(CONNECT_WAIT_MS, `DRBD resource ${p.resource} connecting`, ctx.signal),
      { initialMs: 200, maxMs: 2_000 },
    ).catch((err: unknown) => {
      if (ctx.signal.aborted) throw err;
      throw new HavocError(
        'revert',
        `drbdadm connect ${p.resource} ran on ${p.host} but it reads ${last || 'nothing'}`,
        {
          target: p.host,
          hint: 'a split brain leaves both sides StandAlone: resolve it by hand (drbdadm connect --discard-my-data on the victim)',
        },
      );
    });
  },
};

function host(ctx: FaultContext, p: DrbdDisconnectParams): HostConfig {
  return hostOf(ctx, p.host);
}

function drbdResources(inv: Inventory) {
  return inv.storage.flatMap((s) => (s.type === 'drbd' ? s.resources : []));
}

async function readStates(p: DrbdDisconnectParams, ctx: FaultContext) {
  const r = await onHost(ctx, host(ctx, p), `drbdsetup events2 --now ${p.resource}`, 'drbdsetup events2');
  return connectionStates(parseEvents2(r.stdout), p.resource);
}
