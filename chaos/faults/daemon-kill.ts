import { z } from 'zod';
import { abortableSleep, deadlineSignal, pollUntil } from '../../core/deadline.js';
import { parseDuration } from '../../core/duration.js';
import { errorMessage, HavocError } from '../../core/errors.js';
import { shQuote } from '../../core/shell-quote.js';
import type { HostConfig, Inventory } from '../../inventory/schema.js';
import { sshLoginOf } from '../../inventory/ssh-login.js';
import { withBmcDevice } from '../bmc-device.js';
import {
  DAEMON_NAMES,
  DAEMONS,
  type DaemonTarget,
  describeTarget,
  parseAlive,
  parsePids,
  pidsAliveCommand,
  pidsCommand,
} from '../daemon-processes.js';
import type { Fault, FaultContext, Injection, Observation } from '../fault.js';
import { hostOf } from '../fault-hosts.js';
import { refuseUnknownOptions } from '../fault-options.js';
import { powerOnAndWaitForSsh, waitForSsh } from '../host-power.js';
import { LAB_SERVICE_SCRIPT } from '../lab-services.js';
import { freshSshExec } from '../ssh-answers.js';

/** One SSH command may take this long. */
const STEP_MS = 20_000;
/** A daemon its parent or service manager restarts is back within this (pacemakerd respawns at once). */
const RESTART_MS = 60_000;
/** A VM's QEMU killed is restarted by the HA manager after its monitor notices: allow for a few intervals. */
const VM_RESTART_MS = 3 * 60_000;
const MAX_LOOP = 100;

export const daemonKillParams = z
  .strictObject({
    host: z.string().min(1),
    daemon: z.enum(DAEMON_NAMES),
    vm: z.string().min(1).optional(),
    /** Kills in a row (crmsh crash_test's kill loop), each after the daemon came back. */
    loop: z.number().int().min(1).max(MAX_LOOP).default(1),
    intervalMs: z.number().int().min(0).default(2_000),
  })
  .refine((p) => (p.daemon === 'qemu') === (p.vm !== undefined), {
    message: 'vm is given exactly when daemon is qemu',
    path: ['vm'],
  });
export type DaemonKillParams = z.infer<typeof daemonKillParams>;

const USAGE =
  'havoc chaos inject daemon-kill HOST -p daemon=corosync|pacemakerd|pacemaker-controld|pacemaker-fenced|libvirtd|xapi|qemu [-p vm=NAME] [-p loop=N -p interval=2s]';

/**
 * SIGKILL of a cluster or virtualization daemon on one host, found and
 * killed over SSH inside the host (`kill -KILL PID`); once, or `loop` times
 * `interval` apart, each time after the daemon came back (crmsh
 * crash_test's kill loop). Verified by every killed PID being gone (a
 * fresh SSH login); the `injected` ledger record names the daemon and its
 * PIDs. Reverted by what restarts the daemon (hosts[].chaos.services:
 * systemd units, or the lab's service script; pacemakerd respawns its own
 * subdaemons; the HA manager restarts a VM's QEMU), after bringing the host
 * back if the kill got it fenced (corosync: expected).
 */
export const daemonKill: Fault<DaemonKillParams> = {
  kind: 'fault',
  name: 'daemon-kill',
  summary:
    'SIGKILL a daemon on a host over SSH (-p daemon=corosync|pacemakerd|pacemaker-controld|pacemaker-fenced|libvirtd|xapi|qemu, -p vm=NAME for qemu; -p loop=N -p interval=2s to repeat); reverted by its service manager (hosts[].chaos.services)',
  params: daemonKillParams,
  fromCommandLine(targets, options, inventory) {
    refuseUnknownOptions('daemon-kill', options, new Set(['daemon', 'vm', 'loop', 'interval']), USAGE);
    if (targets.length !== 1)
      throw new HavocError('usage', `daemon-kill acts on one host, got ${targets.length}`, { hint: USAGE });
    const daemon = options['daemon'];
    if (daemon === undefined)
      throw new HavocError('usage', 'daemon-kill needs -p daemon=NAME', { hint: USAGE });
    if (!(DAEMON_NAMES as readonly string[]).includes(daemon)) {
      throw new HavocError('usage', `daemon-kill cannot kill "${daemon}"`, {
        hint: `one of ${DAEMON_NAMES.join(', ')}`,
      });
    }
    const vm = options['vm'];
    if (daemon === 'qemu') {
      if (vm === undefined)
        throw new HavocError('usage', 'daemon-kill -p daemon=qemu needs -p vm=NAME (whose QEMU)', {
          hint: USAGE,
        });
      checkVm(inventory, vm);
    } else if (vm !== undefined) {
      throw new HavocError('usage', `-p vm= goes with -p daemon=qemu only, not with ${daemon}`, {
        hint: USAGE,
      });
    }
    const loop = options['loop'] === undefined ? 1 : Number(options['loop']);
    if (!Number.isInteger(loop) || loop < 1 || loop > MAX_LOOP) {
      throw new HavocError(
        'usage',
        `-p loop= takes a whole number from 1 to ${MAX_LOOP}, not "${options['loop']}"`,
      );
    }
    if (options['interval'] !== undefined && loop === 1) {
      throw new HavocError(
        'usage',
        '-p interval= goes with -p loop=N (N > 1): it is the time between kills',
        { hint: USAGE },
      );
    }
    const intervalMs =
      options['interval'] === undefined ? 2_000 : parseDuration(options['interval'], '-p interval=');
    return { host: targets[0]!, daemon, ...(vm !== undefined ? { vm } : {}), loop, intervalMs };
  },
  hosts: (p) => [p.host],
  requiresFencing: true,
  maxDurationMs: 60 * 60_000,

  async refuse(p, ctx) {
    const host = hostOf(ctx, p.host);
    const services = host.chaos?.services;
    if (!services) {
      return [
        `hosts.${p.host}.chaos.services is not declared: daemon-kill needs to know what restarts a killed daemon on ${p.host} (systemd, or lab)`,
      ];
    }
    if (!host.ssh)
      return [`host "${p.host}" has no ssh section: daemon-kill finds and kills the daemon over SSH`];
    if (p.vm !== undefined) {
      try {
        checkVm(ctx.inventory, p.vm);
      } catch (err) {
        return [errorMessage(err)];
      }
    }
    const t = targetOf(p);
    let pids: number[];
    try {
      pids = await pidsOn(host, t, ctx);
    } catch (err) {
      return [`cannot look for ${describeTarget(t)} on ${p.host} over SSH: ${errorMessage(err)}`];
    }
    return pids.length === 0
      ? [`${describeTarget(t)} does not run on ${p.host}: there is nothing to kill`]
      : [];
  },

  describe(p) {
    const what = describeTarget(targetOf(p));
    return {
      summary: `kill -9 ${what} on ${p.host}${p.loop > 1 ? `, ${p.loop} times ${p.intervalMs} ms apart` : ''}`,
      targets: [p.host],
      revert: `bring ${p.host} back if it was fenced, then let ${restarter(p)} start ${what} again and wait until it runs`,
      secretRefs: [],
    };
  },

  async inject(p, ctx) {
    const host = hostOf(ctx, p.host);
    const t = targetOf(p);
    const killed: number[] = [];
    const rounds: string[] = [];
    for (let i = 0; i < p.loop; i++) {
      if (i > 0) {
        await abortableSleep(p.intervalMs, ctx.signal);
        const back = await backAgain(host, t, killed, ctx);
        if (!back) {
          rounds.push(`not back within ${RESTART_MS} ms after kill ${i}: loop ended`);
          break;
        }
      }
      const pids = (await pidsOn(host, t, ctx)).filter((x) => !killed.includes(x));
      if (pids.length === 0)
        throw new HavocError('inject', `${describeTarget(t)} does not run on ${host.name}`);
      await onHost(ctx, host, `kill -KILL ${pids.join(' ')}`, `kill -KILL ${describeTarget(t)}`);
      killed.push(...pids);
      rounds.push(`pid ${pids.join(', ')}`);
    }
    return {
      detail: `SIGKILL ${describeTarget(t)} on ${host.name}: ${rounds.join('; ')}`,
      facts: { pids: killed },
    } satisfies Injection;
  },

  async verify(p, ctx, injection) {
    const host = hostOf(ctx, p.host);
    const t = targetOf(p);
    const killed = pidsFact(injection);
    let seen: { alive: number[]; now: number[] };
    try {
      seen = parseAlive(
        (await freshSshExec(host, pidsAliveCommand(t, killed), ctx.signal, { timeoutMs: STEP_MS })).stdout,
      );
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      return { state: 'partial', evidence: [`SSH to ${host.name}: no answer (${errorMessage(err)})`] };
    }
    const evidence = [
      ...killed.map(
        (pid) => `${host.name}: killed pid ${pid} ${seen.alive.includes(pid) ? 'still runs' : 'is gone'}`,
      ),
      seen.now.length > 0
        ? `${host.name}: ${describeTarget(t)} runs now as pid ${seen.now.join(', ')}`
        : `${host.name}: ${describeTarget(t)} does not run`,
    ];
    if (killed.length > 0) {
      const state: Observation['state'] =
        seen.alive.length === 0 ? 'in-effect' : seen.alive.length === killed.length ? 'absent' : 'partial';
      return { state, evidence };
    }
    if (seen.now.length > 0 || t.daemon !== 'qemu')
      return { state: seen.now.length > 0 ? 'absent' : 'in-effect', evidence };
    // The HA manager may have restarted the VM on another host: that is the VM back too.
    const elsewhere = await vmElsewhere(p, t, ctx);
    return elsewhere
      ? { state: 'absent', evidence: [...evidence, elsewhere] }
      : { state: 'in-effect', evidence };
  },

  async revert(p, ctx) {
    const host = hostOf(ctx, p.host);
    const t = targetOf(p);
    await hostBack(host, ctx);
    if ((await pidsOn(host, t, ctx)).length > 0) return;
    const d = DAEMONS[p.daemon];
    if (t.daemon === 'qemu') {
      await until(
        `the HA manager to restart ${describeTarget(t)}`,
        VM_RESTART_MS,
        ctx,
        async () => (await pidsOn(host, t, ctx)).length > 0 || (await vmElsewhere(p, t, ctx)) !== undefined,
      );
      return;
    }
    const parent = 'parent' in d ? d.parent : undefined;
    if (parent && (await pidsOn(host, { daemon: parent }, ctx)).length > 0) {
      // pacemakerd respawns its subdaemons by itself; start the service only if it gave up.
      const back = await until(
        `pacemakerd to respawn ${p.daemon}`,
        RESTART_MS,
        ctx,
        async () => (await pidsOn(host, t, ctx)).length > 0,
      ).then(
        () => true,
        () => false,
      );
      if (back) return;
    }
    await startService(host, p, ctx);
    await until(
      `${p.daemon} to run again on ${host.name}`,
      RESTART_MS,
      ctx,
      async () => (await pidsOn(host, t, ctx)).length > 0,
    );
  },
};

function targetOf(p: DaemonKillParams): DaemonTarget {
  return p.daemon === 'qemu' ? { daemon: 'qemu', vm: p.vm! } : { daemon: p.daemon };
}

function checkVm(inventory: Inventory, vm: string): void {
  if (!(inventory.vms ?? []).some((v) => v.name === vm)) {
    const known = (inventory.vms ?? []).map((v) => v.name).join(', ') || 'none';
    throw new HavocError('usage', `VM "${vm}" is not in the inventory (its VMs: ${known})`);
  }
}

function restarter(p: DaemonKillParams): string {
  if (p.daemon === 'qemu') return 'the HA manager';
  const parent = 'parent' in DAEMONS[p.daemon] ? 'pacemakerd (or the pacemaker service)' : undefined;
  return parent ?? 'its service manager';
}

function pidsFact(injection: Injection | undefined): number[] {
  const pids = injection?.facts?.['pids'];
  return Array.isArray(pids) ? pids.filter((x): x is number => typeof x === 'number') : [];
}

async function onHost(ctx: FaultContext, h: HostConfig, command: string, what: string) {
  return ctx.ssh.exec(sshLoginOf(h), command, {
    signal: deadlineSignal(STEP_MS, `${what} on ${h.name}`, ctx.signal),
    what: `${what} on ${h.name}`,
  });
}

async function pidsOn(h: HostConfig, t: DaemonTarget, ctx: FaultContext): Promise<number[]> {
  return parsePids((await onHost(ctx, h, pidsCommand(t), `looking for ${describeTarget(t)}`)).stdout);
}

/** After a kill, polls until the daemon runs again with a PID not killed yet. */
async function backAgain(h: HostConfig, t: DaemonTarget, killed: readonly number[], ctx: FaultContext) {
  return until(`${describeTarget(t)} to come back on ${h.name}`, RESTART_MS, ctx, async () =>
    (await pidsOn(h, t, ctx)).some((x) => !killed.includes(x)),
  ).then(
    () => true,
    () => false,
  );
}

async function until(what: string, ms: number, ctx: FaultContext, check: () => Promise<boolean>) {
  await pollUntil(
    async () => ((await check().catch(() => false)) ? true : undefined),
    deadlineSignal(ms, what, ctx.signal),
    {
      initialMs: 200,
      maxMs: 2_000,
    },
  );
}

/** A kill that got the host fenced (corosync) leaves it off or rebooting: power on if off, then wait for SSH. */
async function hostBack(host: HostConfig, ctx: FaultContext): Promise<void> {
  if (!host.bmc) return waitForSsh(host, ctx.signal);
  await withBmcDevice(ctx, host.name, async (device) => {
    if ((await device.status(ctx.signal)) === 'off') await powerOnAndWaitForSsh(device, host, ctx.signal);
    else await waitForSsh(host, ctx.signal);
  });
}

async function startService(host: HostConfig, p: DaemonKillParams, ctx: FaultContext): Promise<void> {
  const d = DAEMONS[p.daemon];
  const services = host.chaos?.services;
  if (services === 'systemd' && d.unit) {
    const unit = shQuote(`${d.unit}.service`);
    await onHost(
      ctx,
      host,
      `systemctl reset-failed ${unit} 2>/dev/null; systemctl start ${unit}`,
      `systemctl start ${d.unit}`,
    );
  } else if (services === 'lab' && d.labService) {
    await onHost(
      ctx,
      host,
      `${shQuote(LAB_SERVICE_SCRIPT)} start ${shQuote(d.labService)} ${shQuote(d.program)}`,
      `starting the lab service ${d.labService}`,
    );
  } else {
    throw new HavocError(
      'revert',
      `nothing declared restarts ${p.daemon} on ${host.name} (hosts.${host.name}.chaos.services)`,
    );
  }
}

/** "vm runs on HOST as pid N" when another host of the inventory runs the VM's QEMU now. */
async function vmElsewhere(
  p: DaemonKillParams,
  t: DaemonTarget,
  ctx: FaultContext,
): Promise<string | undefined> {
  for (const other of ctx.inventory.hosts) {
    if (other.name === p.host || !other.ssh) continue;
    const pids = await pidsOn(other, t, ctx).catch(() => []);
    if (pids.length > 0) return `${other.name}: ${describeTarget(t)} runs there as pid ${pids.join(', ')}`;
  }
  return undefined;
}
