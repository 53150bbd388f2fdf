import { deadlineSignal, pollUntil } from '../core/deadline.js';
import { errorMessage, HavocError } from '../core/errors.js';
import { type HostConfig, SYSTEMD_SLICES } from '../inventory/schema.js';
import { withBmcDevice } from './bmc-device.js';
import {
  type CgroupProbe,
  freezeCommand,
  ownCgroupName,
  parseProbe,
  probeCommand,
  SETTLE_SECONDS,
  thawCommand,
} from './cgroup-freeze.js';
import type { FaultContext, Injection, Observation } from './fault.js';
import { hostOf } from './fault-hosts.js';
import { powerCycleUnlessBack, readPowerAndSsh } from './host-power.js';
import { freshSshExec, sshAnswers, sshPortLook } from './ssh-answers.js';
import { fabricFencedLevels, restoreFabricFenced } from './unfence.js';

/*
 * host-hang on a real host (hosts[].chaos.hang.cgroups): its cgroups frozen
 * by a dead man's switch started over SSH (chaos/cgroup-freeze.ts), which
 * thaws them by itself after the fault's maximum duration. Seen from the
 * station: the BMC reads power on, a fresh SSH login fails, and a TCP
 * connection to the SSH port still completes (the kernel is alive) while no
 * banner comes. Reverted through the BMC, the only way in: power on if the
 * cluster fenced it, else a power cycle (the same reset a fence would do,
 * instead of waiting up to the maximum duration for the switch), then, once
 * SSH answers, whatever is left (a switch still alive, a frozen cgroup, its
 * own cgroup) is killed, thawed and removed.
 */

/** A frozen sshd stops answering within a login's timeout; one still answering after this was not frozen. */
const HANG_MS = 60_000;
/** The SSH command returns once the switch is out of the frozen cgroups (a few seconds at most). */
const START_MS = 20_000;

interface Declared {
  paths: readonly string[];
  systemd: boolean;
}

function declared(host: HostConfig): Declared {
  const c = host.chaos?.hang?.cgroups;
  if (!c) throw new HavocError('bug', `hosts.${host.name}.chaos.hang.cgroups is not declared`);
  return c === 'systemd' ? { paths: SYSTEMD_SLICES, systemd: true } : { paths: c, systemd: false };
}

const ownOf = (ctx: FaultContext, host: HostConfig) => ownCgroupName(ctx.inventory.cluster.name, host.name);

/** What the host shows of its declared cgroups and of a switch's own cgroup, over a fresh SSH login. */
async function probe(ctx: FaultContext, host: HostConfig): Promise<CgroupProbe> {
  const r = await freshSshExec(host, probeCommand(declared(host).paths, ownOf(ctx, host)), ctx.signal);
  return parseProbe(r.stdout);
}

/** Why not to start: what the host shows that would make the freeze unsafe or unseen. */
export async function refuseCgroupHang(host: HostConfig, ctx: FaultContext): Promise<string[]> {
  const where = `hosts.${host.name}.chaos.hang.cgroups`;
  let seen: CgroupProbe;
  try {
    seen = await probe(ctx, host);
  } catch (err) {
    if (ctx.signal.aborted) throw err;
    return [`cannot read the cgroups of ${host.name} over SSH (${errorMessage(err)})`];
  }
  const reasons: string[] = [];
  const { systemd } = declared(host);
  for (const m of seen.missing) {
    if (systemd && m !== SYSTEMD_SLICES[0]) continue;
    reasons.push(
      `${where}: ${m} on ${host.name} is not a cgroup that can be frozen (no cgroup.freeze: cgroup v2 needs kernel >= 5.2 and a non-root cgroup; no freezer.state: no v1 freezer there)${systemd ? '; `cgroups: systemd` needs a systemd host on the unified cgroup v2 hierarchy' : ''}`,
    );
  }
  const frozen = seen.cgroups.filter((c) => c.frozen);
  if (frozen.length > 0)
    reasons.push(
      `${frozen.map((c) => c.path).join(', ')} on ${host.name} already frozen: another host-hang is in effect or was not healed (see havoc chaos status, havoc heal)`,
    );
  const alive = seen.own.filter((o) => o.pids.length > 0);
  if (alive.length > 0)
    reasons.push(
      `a dead man's switch of an earlier host-hang still runs on ${host.name} (${alive.map((o) => `${o.path}: pids ${o.pids.join(' ')}`).join('; ')}): havoc heal`,
    );
  return reasons;
}

export async function injectCgroupHang(host: HostConfig, ctx: FaultContext): Promise<Injection> {
  if (ctx.maxDurationMs === undefined)
    throw new HavocError(
      'bug',
      'host-hang over SSH needs the fault maximum duration for its dead man switch',
    );
  const seen = await probe(ctx, host);
  if (seen.cgroups.length === 0)
    throw new HavocError('inject', `none of the cgroups of ${host.name} can be frozen`, {
      target: host.name,
    });
  const holdSeconds = Math.ceil(ctx.maxDurationMs / 1000);
  const started = await freshSshExec(
    host,
    freezeCommand(seen.cgroups, ownOf(ctx, host), holdSeconds),
    ctx.signal,
    {
      timeoutMs: START_MS,
    },
  );
  const pid = /^switch (\d+)$/m.exec(started.stdout)?.[1];
  const detail = `dead man's switch pid ${pid} on ${host.name} froze ${seen.cgroups
    .map((c) => `${c.path} (${c.kind})`)
    .join(
      ', ',
    )} ${SETTLE_SECONDS} s after the SSH command returned; it thaws them by itself ${holdSeconds} s later`;
  await pollUntil(
    async (s) => ((await sshAnswers(host, s)).answered ? undefined : true),
    deadlineSignal(HANG_MS, `${host.name} to stop answering SSH after the freeze`, ctx.signal),
    { initialMs: 200, maxMs: 1_000 },
  ).catch((err: unknown) => {
    throw new HavocError('inject', `${host.name} still answers SSH after ${detail}: ${errorMessage(err)}`, {
      target: host.name,
      hint: `sshd of ${host.name} must run inside the cgroups declared in hosts.${host.name}.chaos.hang.cgroups`,
    });
  });
  return { detail };
}

/**
 * In effect: power on, SSH login failing, the SSH port's handshake completing
 * without a banner. Gone: SSH answers and the host shows nothing frozen and no
 * switch alive.
 */
export async function verifyCgroupHang(host: HostConfig, ctx: FaultContext): Promise<Observation> {
  return withBmcDevice(ctx, host.name, async (device) => {
    const [seen, port] = await Promise.all([
      readPowerAndSsh(device, host, ctx.signal),
      sshPortLook(host, ctx.signal),
    ]);
    const evidence = [...seen.evidence, port.detail];
    if (!seen.sshAnswered) {
      const hung = seen.power === 'on' && port.state === 'silent';
      return { state: hung ? 'in-effect' : 'partial', evidence };
    }
    const left = await probe(ctx, host);
    const frozen = left.cgroups.filter((c) => c.frozen);
    const alive = left.own.filter((o) => o.pids.length > 0);
    evidence.push(
      `on ${host.name}: ${frozen.length} of ${left.cgroups.length} declared cgroups frozen${frozen.length ? ` (${frozen.map((c) => c.path).join(', ')})` : ''}, ${alive.length ? `a switch alive in ${alive.map((o) => o.path).join(', ')}` : 'no switch alive'}`,
    );
    return { state: frozen.length === 0 && alive.length === 0 ? 'absent' : 'partial', evidence };
  });
}

/** Kills a switch still alive, thaws what is frozen and removes the switch's cgroups, over a fresh SSH login. */
async function thawLeftovers(ctx: FaultContext, host: HostConfig): Promise<void> {
  const seen = await probe(ctx, host);
  await freshSshExec(host, thawCommand(seen), ctx.signal, { timeoutMs: START_MS });
}

export async function revertCgroupHang(name: string, ctx: FaultContext): Promise<void> {
  const host = hostOf(ctx, name);
  // Fenced at its switch ports while frozen: powered off before its ports come back (chaos/unfence.ts).
  const fabric = await fabricFencedLevels(ctx, name);
  if (fabric.length > 0) {
    for (const line of await restoreFabricFenced(ctx, name, fabric)) ctx.log.info({ host: name }, line);
    await thawLeftovers(ctx, host);
    return;
  }
  // Never frozen, or thawed by its switch: SSH answers, and the leftovers go at once (the switch first).
  if ((await sshAnswers(host, ctx.signal)).answered) {
    const thawed = await thawLeftovers(ctx, host).then(
      () => true,
      (err: unknown) => {
        ctx.log.warn({ host: name }, `thawing over SSH failed, power cycling: ${errorMessage(err)}`);
        return false;
      },
    );
    if (thawed) return;
  }
  await withBmcDevice(ctx, name, (device) => powerCycleUnlessBack(device, host, ctx.signal));
  await thawLeftovers(ctx, host);
}
