import { isIP } from 'node:net';
import { z } from 'zod';
import { deadlineSignal, pollUntil } from '../../core/deadline.js';
import { errorMessage, HavocError } from '../../core/errors.js';
import { execProgram, inNetns } from '../../core/exec.js';
import type { Inventory, StorageConfig } from '../../inventory/schema.js';
import { hostByName } from '../../inventory/topology.js';
import { greetingCommand, parseGreetingOutput } from '../../protocols/nbd/greeting.js';
import { DELETE_HAVOC_TABLE, HAVOC_TABLE } from '../../protocols/nftables/havoc-table.js';
import {
  hostStorageCutScript,
  type StorageEndpoint,
  targetStorageCutScript,
} from '../../protocols/nftables/storage-cut.js';
import type { Fault, FaultContext, Observation } from '../fault.js';
import { hostOf } from '../fault-hosts.js';
import { refuseUnknownOptions } from '../fault-options.js';
import { havocTableRefusal, onHost } from '../host-network.js';
import {
  daemonOf,
  daemonPlace,
  findScript,
  onDaemonHost,
  signalScript,
  stateScript,
} from '../storage-daemon.js';
import { IO_PAUSED, resumeIoPaused, UNREADABLE, vmStates } from '../storage-vms.js';
import { type LinkDownParams, linkDown } from './link-down.js';

/** A VM pauses at its next disk request; the lab guest writes its counter every second or so. */
const PAUSE_WAIT_MS = 30_000;
const GREETING_S = 3;

const portRef = z.strictObject({ switch: z.string().min(1), port: z.string().min(1) });
const params = z.discriminatedUnion('side', [
  z.strictObject({
    side: z.literal('host'),
    host: z.string().min(1),
    storage: z.string().min(1),
    /** nftables in havoc's table on the host, or the host's switch ports on the storage network (link-down's). */
    via: z.enum(['nftables', 'ports']),
    /** For via=ports: the ports, resolved when the fault was asked for (what a heal brings back up). */
    ports: z.array(portRef).min(1).optional(),
  }),
  z.strictObject({
    side: z.literal('target'),
    storage: z.string().min(1),
    /** TCP to the server reset on its firewall, or the serving process stopped (SIGSTOP). */
    via: z.enum(['nftables', 'stop']).default('nftables'),
    /** For via=stop: the daemon's processes, found when the fault was asked for (what a heal continues). */
    daemon: z
      .array(z.strictObject({ pid: z.number().int().positive(), startTime: z.string().regex(/^\d+$/) }))
      .min(1)
      .optional(),
  }),
]);
export type StorageLossParams = z.infer<typeof params>;
type HostSide = Extract<StorageLossParams, { side: 'host' }>;
type TargetSide = Extract<StorageLossParams, { side: 'target' }>;

/**
 * A host loses its storage (side=host: its path to the server cut in
 * havoc's nftables table, TCP to the server reset so the initiator fails
 * the I/O now; or via=ports, its switch ports on the storage network down,
 * through link-down), or the storage target stops serving (side=target:
 * TCP to its port reset in havoc's table on the firewall the inventory
 * declares, storage[].firewall; or via=stop, its daemon SIGSTOPped,
 * storage[].daemon, found when asked for and kept as PID + start time).
 * Verified by the server's greeting no longer reaching the host (bash
 * /dev/tcp over SSH, the NBD greeting for nbd), the stopped daemon reading
 * state T, and by every VM of that storage on the affected hosts paused on
 * I/O error (virsh domstate --reason; QMP query-status for the bare QEMUs
 * of havoc's qemu-vm agent). Reverted by deleting the rules, bringing the
 * ports up or SIGCONT, then resuming the VMs that paused on I/O error
 * (libvirt never resumes them by itself) until each reads running.
 */
export const storageLoss: Fault<StorageLossParams> = {
  kind: 'fault',
  name: 'storage-loss',
  summary:
    'cut storage: TARGET is a host losing its path (-p via=nftables|ports, -p storage=NAME), or with -p side=target the storage that stops serving (-p via=nftables: TCP reset; via=stop: its daemon SIGSTOPped); VMs pause on I/O error and are resumed on revert',
  params,
  requiresFencing: false,
  maxDurationMs: 60 * 60_000,
  fromCommandLine(targets, options, inventory) {
    refuseUnknownOptions(
      'storage-loss',
      options,
      new Set(['side', 'via', 'storage']),
      'its parameters are side=host|target, via=nftables|ports (host side) or via=nftables|stop (target side), and storage=NAME (host side)',
    );
    if (targets.length !== 1)
      throw new HavocError('usage', `storage-loss acts on one host or one storage, got ${targets.length}`, {
        hint: 'havoc chaos inject storage-loss HOST [-p via=ports], or storage-loss STORAGE -p side=target [-p via=stop]',
      });
    const side = options.side ?? 'host';
    if (side === 'target') {
      if (options.storage !== undefined)
        throw new HavocError(
          'usage',
          'storage-loss -p side=target takes the storage as TARGET and no storage=',
        );
      const via = options.via ?? 'nftables';
      if (via !== 'nftables' && via !== 'stop')
        throw new HavocError(
          'usage',
          `storage-loss -p side=target: via must be nftables or stop, got "${via}"`,
        );
      return { side, storage: targets[0], via };
    }
    if (side !== 'host')
      throw new HavocError('usage', `storage-loss: side must be host or target, got "${side}"`);
    const host = targets[0]!;
    const via = options.via ?? 'nftables';
    const storage = options.storage ?? storagesOf(inventory, host)[0]?.name ?? '?';
    if (via !== 'ports') return { side, host, storage, via };
    const s = inventory.storage.find((x) => x.name === storage);
    if (!s?.network || !hostByName(inventory, host)) return { side, host, storage, via };
    const link = linkDown.fromCommandLine([host], { network: s.network }, inventory) as LinkDownParams;
    return { side, host, storage, via, ports: link.ports };
  },
  hosts: (p) => (p.side === 'host' ? [p.host] : []),
  async resolve(p, ctx) {
    if (p.side !== 'target' || p.via !== 'stop' || p.daemon) return p;
    const s = storageOf(ctx.inventory, p.storage);
    const d = daemonOf(s);
    const found = await onDaemonHost(s, findScript(d), 'finding the storage daemon', ctx);
    if (found.errors.length > 0)
      throw new HavocError('config', `storage.${s.name}.daemon: ${found.errors.join('; ')}`);
    if (found.procs.length === 0)
      throw new HavocError(
        'config',
        `storage.${s.name}.daemon: no process runs ${d.program} in ${daemonPlace(d)}: is the storage served from there?`,
      );
    const stopped = found.procs.filter((x) => x.state === 'T');
    if (stopped.length > 0)
      throw new HavocError(
        'config',
        `the storage daemon of ${s.name} is already stopped (PID ${stopped.map((x) => x.pid).join(', ')} in state T): another storage-loss is in effect or was not healed (see havoc chaos status, havoc heal)`,
      );
    return { ...p, daemon: found.procs.map(({ pid, startTime }) => ({ pid, startTime })) };
  },
  async refuse(p, ctx) {
    const s = ctx.inventory.storage.find((x) => x.name === p.storage);
    if (!s)
      return [
        `storage "${p.storage}" is not in the inventory (its storage: ${ctx.inventory.storage.map((x) => x.name).join(', ') || 'none'})`,
      ];
    try {
      endpointOf(s);
    } catch (err) {
      return [errorMessage(err)];
    }
    if (p.side === 'target' && p.via === 'stop') {
      try {
        daemonOf(s);
      } catch (err) {
        return [errorMessage(err)];
      }
      return p.daemon ? [] : [`storage ${s.name}: the daemon's processes were not found`];
    }
    if (p.side === 'target') {
      if (!s.firewall)
        return [
          `storage.${s.name}.firewall is not declared: storage-loss -p side=target needs the firewall in front of the server (a network namespace of this station)`,
        ];
      return refuseNetns(s.firewall.netns, ctx);
    }
    if (!hostByName(ctx.inventory, p.host)) return [];
    if (!storagesOf(ctx.inventory, p.host).some((x) => x.name === s.name))
      return [`host "${p.host}" does not use storage ${s.name} (storage.${s.name}.hosts)`];
    if (p.via === 'ports') {
      if (!p.ports) return [`storage ${s.name} declares no network, or host ${p.host} no port on it`];
      return linkDown.refuse(linkParams(p), ctx);
    }
    try {
      const table = await havocTableRefusal(ctx, hostOf(ctx, p.host));
      return table ? [table] : [];
    } catch (err) {
      return [`host "${p.host}" cannot be prepared over SSH: ${errorMessage(err)}`];
    }
  },
  describe(p) {
    if (p.side === 'target' && p.via === 'stop')
      return {
        summary: `storage ${p.storage} stops serving (SIGSTOP of its daemon, PID ${(p.daemon ?? []).map((x) => x.pid).join(', ')})`,
        targets: [p.storage],
        revert: `SIGCONT to the daemon of storage.${p.storage} (only a PID whose start time is the recorded one), resume VMs paused on I/O error (virsh resume, QMP cont for qemu-vm's) until seen running`,
        secretRefs: [],
      };
    if (p.side === 'target')
      return {
        summary: `storage ${p.storage} stops serving (TCP to it reset)`,
        targets: [p.storage],
        revert: `delete nftables table ${HAVOC_TABLE} in storage.${p.storage}.firewall, resume VMs paused on I/O error (virsh resume, QMP cont for qemu-vm's) until seen running`,
        secretRefs: [],
      };
    return {
      summary: `${p.host} loses storage ${p.storage} (${p.via === 'ports' ? `switch ports ${(p.ports ?? []).map((r) => `${r.switch} ${r.port}`).join(', ')} down` : 'nftables'})`,
      targets: [p.host],
      revert:
        (p.via === 'ports'
          ? 'set its switch ports admin up over SNMP'
          : `delete nftables table ${HAVOC_TABLE} on ${p.host} (nft -f over SSH)`) +
        ", resume VMs paused on I/O error (virsh resume, QMP cont for qemu-vm's) until seen running",
      secretRefs: [],
    };
  },
  async inject(p, ctx) {
    const e = endpointOf(storageOf(ctx.inventory, p.storage));
    if (p.side === 'target' && p.via === 'stop') return signalDaemon(p, 'STOP', ctx);
    if (p.side === 'target')
      await nftIn(firewallOf(ctx.inventory, p.storage), targetStorageCutScript(e), ctx);
    else if (p.via === 'ports') await linkDown.inject(linkParams(p), ctx);
    else
      await onHost(ctx, hostOf(ctx, p.host), 'nft -f -', `loading ${HAVOC_TABLE}`, {
        stdin: hostStorageCutScript(e),
      });
  },
  async verify(p, ctx) {
    // A reset breaks the VMs' sessions at their next request, so they must pause; ports down only stall them.
    // A stopped daemon leaves the VMs' requests unanswered: no error, so they stall (seen on the lab) like via=ports.
    const mustPause = !(p.side === 'host' && p.via === 'ports') && !(p.side === 'target' && p.via === 'stop');
    let seen = await observe(p, ctx);
    const cut = seen.paths.every((x) => !x.answers);
    if (cut && mustPause && !seen.vms.every((v) => IO_PAUSED.test(v.state))) {
      seen = await pollUntil(
        async () => {
          const s = await observe(p, ctx);
          return s.vms.every((v) => IO_PAUSED.test(v.state)) ? s : undefined;
        },
        deadlineSignal(PAUSE_WAIT_MS, 'the VMs pausing on I/O error', ctx.signal),
        { initialMs: 250, maxMs: 2_000 },
      ).catch(async (err: unknown) => {
        if (ctx.signal.aborted) throw err;
        return observe(p, ctx);
      });
    }
    return judge(seen, mustPause);
  },
  async revert(p, ctx) {
    if (p.side === 'target' && p.via === 'stop') await signalDaemon(p, 'CONT', ctx);
    else if (p.side === 'target') await nftIn(firewallOf(ctx.inventory, p.storage), DELETE_HAVOC_TABLE, ctx);
    else if (p.via === 'ports') {
      if (p.ports) await linkDown.revert(linkParams(p), ctx);
    } else
      await onHost(ctx, hostOf(ctx, p.host), 'nft -f -', `deleting ${HAVOC_TABLE}`, {
        stdin: DELETE_HAVOC_TABLE,
      });
    await resumeIoPaused(
      p.storage,
      affectedHosts(p, ctx.inventory),
      hostsOfStorage(ctx.inventory, p.storage),
      ctx,
    );
  },
};

function linkParams(p: HostSide): LinkDownParams {
  const s = p.ports ?? [];
  return { host: p.host, scope: { network: `storage ${p.storage}` }, ports: s };
}

/** The storage a host uses: every storage without a host list, and those that name it. */
function storagesOf(inv: Inventory, host: string): StorageConfig[] {
  return inv.storage.filter((s) => s.hosts === undefined || s.hosts.includes(host));
}

function storageOf(inv: Inventory, name: string): StorageConfig {
  const s = inv.storage.find((x) => x.name === name);
  if (!s) throw new HavocError('config', `storage ${name} is not in the inventory`);
  return s;
}

function firewallOf(inv: Inventory, name: string): string {
  const fw = storageOf(inv, name).firewall;
  if (!fw) throw new HavocError('config', `storage.${name}.firewall is not declared`);
  return fw.netns;
}

/** The server's address and TCP port; nftables matches addresses, so a server named by host name is refused. */
export function endpointOf(s: StorageConfig): StorageEndpoint {
  let e: StorageEndpoint;
  if (s.type === 'nbd') e = { address: s.server, port: s.port };
  else if (s.type === 'nfs') e = { address: s.server, port: 2049 };
  else if (s.type === 'iscsi') {
    const m = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(s.portals[0]!)!;
    e = { address: m[1]!, port: m[2] ? Number(m[2]) : 3260 };
  } else
    throw new HavocError('config', `storage ${s.name} is DRBD: cut its replication with drbd-disconnect`);
  if (isIP(e.address) === 0)
    throw new HavocError(
      'config',
      `storage ${s.name}'s server is named ${e.address}: storage-loss needs its address (nftables matches addresses)`,
    );
  return e;
}

/** The hosts whose VMs the fault reaches: the one host, or every host of the storage. */
function affectedHosts(p: StorageLossParams, inv: Inventory): string[] {
  return p.side === 'host' ? [p.host] : hostsOfStorage(inv, p.storage);
}

function hostsOfStorage(inv: Inventory, name: string): string[] {
  return storageOf(inv, name).hosts ?? inv.hosts.map((h) => h.name);
}

async function observe(p: StorageLossParams, ctx: FaultContext) {
  const e = endpointOf(storageOf(ctx.inventory, p.storage));
  const nbd = storageOf(ctx.inventory, p.storage).type === 'nbd';
  const [daemon, paths, vms] = await Promise.all([
    p.side === 'target' && p.via === 'stop' ? daemonStates(p, ctx) : undefined,
    Promise.all(
      affectedHosts(p, ctx.inventory).map(async (host) => {
        const r = await onHost(
          ctx,
          hostOf(ctx, host),
          greetingCommand(e.address, e.port, GREETING_S),
          'storage greeting',
          {
            allowFailure: true,
          },
        );
        const g = parseGreetingOutput(r.stdout);
        const answers = nbd ? g.greeting !== undefined : g.connected;
        return { host, answers, detail: g.detail };
      }),
    ),
    vmStates(p.storage, affectedHosts(p, ctx.inventory), ctx),
  ]);
  return { endpoint: e, paths, vms, daemon };
}

function judge(seen: Awaited<ReturnType<typeof observe>>, mustPause: boolean): Observation {
  const at = `${seen.endpoint.address}:${seen.endpoint.port}`;
  const evidence = [
    ...seen.paths.map(
      (x) => `${x.host} -> storage ${at}: ${x.answers ? 'served' : 'not served'} (${x.detail})`,
    ),
    ...seen.vms.map((v) => `VM ${v.vm} on ${v.host}: ${v.state}`),
  ];
  if (seen.vms.length === 0) evidence.push('no VM of this storage runs on the affected hosts');
  if (seen.daemon) evidence.push(...seen.daemon.lines);
  const cut =
    seen.paths.every((x) => !x.answers) && (!seen.daemon || seen.daemon.stopped === seen.daemon.total);
  const served = seen.paths.every((x) => x.answers) && (!seen.daemon || seen.daemon.stopped === 0);
  const paused = seen.vms.filter((v) => IO_PAUSED.test(v.state)).length;
  let state: Observation['state'] = 'partial';
  if (cut && (!mustPause || paused === seen.vms.length)) state = 'in-effect';
  else if (served && paused === 0 && !seen.vms.some((v) => UNREADABLE.test(v.state))) state = 'absent';
  return { state, evidence };
}

/** SIGSTOP or SIGCONT to the recorded processes of the daemon that are still themselves. */
async function signalDaemon(p: TargetSide, sig: 'STOP' | 'CONT', ctx: FaultContext) {
  const s = storageOf(ctx.inventory, p.storage);
  const procs = p.daemon ?? [];
  if (procs.length === 0) {
    // The run died before it found the daemon: nothing of it was stopped.
    if (sig === 'CONT') return undefined;
    throw new HavocError('inject', `storage-loss via=stop on ${s.name}: no daemon process recorded`);
  }
  const r = await onDaemonHost(s, signalScript(procs, sig), `SIG${sig} to the storage daemon`, ctx);
  if (sig === 'STOP' && r.gone.length > 0)
    throw new HavocError(
      'inject',
      `the storage daemon of ${s.name} is gone: PID ${r.gone.join(', ')} no longer runs as recorded (its start time differs or it exited)`,
    );
  if (r.gone.length > 0)
    ctx.log.warn(
      { storage: s.name, gone: r.gone },
      'storage daemon process gone: not signalled (a reused PID is never)',
    );
  return { detail: `SIG${sig} to PID ${r.sent.join(', ')} in ${daemonPlace(daemonOf(s))}` };
}

/** The recorded daemon processes' states: T is stopped; gone ones count as not stopped. */
async function daemonStates(p: TargetSide, ctx: FaultContext) {
  const s = storageOf(ctx.inventory, p.storage);
  const procs = p.daemon ?? [];
  const r = await onDaemonHost(s, stateScript(procs), 'the storage daemon state', ctx);
  const where = daemonPlace(daemonOf(s));
  const lines = procs.map((x) => {
    const st = r.states.get(x.pid);
    return `storage daemon PID ${x.pid} in ${where}: ${st === undefined ? 'gone (exited, or its PID reused)' : st === 'T' ? 'stopped (state T)' : `state ${st}`}`;
  });
  return { total: procs.length, stopped: procs.filter((x) => r.states.get(x.pid) === 'T').length, lines };
}

async function refuseNetns(ns: string, ctx: FaultContext): Promise<string[]> {
  const r = await execProgram(inNetns(ns, ['nft', 'list', 'table', ...HAVOC_TABLE.split(' ')]), {
    signal: deadlineSignal(15_000, `nft list table in ${ns}`, ctx.signal),
    allowFailure: true,
  }).catch((err: unknown) => ({ code: -1, stderr: errorMessage(err) }));
  if (r.code === 0)
    return [
      `network namespace ${ns} already has havoc's nftables table (${HAVOC_TABLE}): another fault is in effect or was not healed (see havoc chaos status, havoc heal)`,
    ];
  if (!/^Error: No such file/m.test(r.stderr))
    return [`cannot use nftables in network namespace ${ns}: ${r.stderr.trim()}`];
  return [];
}

async function nftIn(ns: string, script: string, ctx: FaultContext) {
  await execProgram(inNetns(ns, ['nft', '-f', '-']), {
    signal: deadlineSignal(15_000, `nft -f in network namespace ${ns}`, ctx.signal),
    input: script,
  });
}
