import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withBmcDevice } from '../../chaos/bmc-device.js';
import { hostOf } from '../../chaos/fault-hosts.js';
import { bmcDead } from '../../chaos/faults/bmc-dead.js';
import { powerOnAndWaitForSsh } from '../../chaos/host-power.js';
import { onCluster } from '../../chaos/pacemaker-cluster.js';
import type { InjectedFault, RunSession } from '../../chaos/session.js';
import { restoreFabricFenced } from '../../chaos/unfence.js';
import { deadlineSignal, monotonicMs, pollUntil } from '../../core/deadline.js';
import { errorMessage, HavocError } from '../../core/errors.js';
import { shCommand } from '../../core/shell-quote.js';
import { closeFenceContext, createFenceContext } from '../../fencers/context.js';
import type { FenceDevice } from '../../fencers/device.js';
import { devicesOfLevel } from '../../fencers/device-factory.js';
import { crmMonHosts } from '../../inventory/ha-names.js';
import { planFailover } from '../../inventory/preflight/capacity-plan.js';
import type { HostConfig } from '../../inventory/schema.js';
import { sshLoginOf } from '../../inventory/ssh-login.js';
import type { CibConfiguration } from '../../protocols/pacemaker/cib.js';
import { type FenceEvent, parseStonithHistory } from '../../protocols/pacemaker/index.js';
import type { SteadyWaiter } from '../../suites/runner/steady.js';
import type { CertLine } from '../certification.js';
import { pacemakerLevelsOf } from './pacemaker-levels.js';

/** Before a fence, how long the cluster may take to be steady (a host that just rejoined settles its VMs). */
const STEADY_BEFORE_MS = 5 * 60_000;
/** After a power-on: a real server's POST, the boot, corosync and Pacemaker joining, the VMs settling. */
const STEADY_AFTER_MS = 15 * 60_000;
/** How long the stonith history may take to show the new event after the request returned. */
const HISTORY_MS = 30_000;
/** The off must be seen within this when the inventory sets no fence SLO. */
const DEFAULT_OFF_WITHIN_S = 120;

export interface FencingRun {
  session: RunSession;
  steady: SteadyWaiter;
  /** The CIB as read before the first fence: its topology is what is certified. */
  cib: CibConfiguration;
  /** Absolute path of the certification's evidence folder. */
  evidenceDir: string;
  progress(text: string): void;
  signal: AbortSignal;
}

export interface LevelOutcome {
  line: CertLine;
  /** False when the cluster did not come back to its steady state after the fence: nothing more may be fenced. */
  steadyAfter: boolean;
}

interface FenceRecord {
  request: {
    node: string;
    argv: string[];
    exitCode: number | undefined;
    stdout: string;
    stderr: string;
    ms: number;
  };
  seenOffMs?: number;
  seenOffBy: string[];
  seenOffError?: string;
  history?: FenceEvent;
  historyError?: string;
  fencerLog?: string;
  fencerLogError?: string;
  device?: string;
}

const types = (host: HostConfig, index: number) =>
  host.fencing.levels[index]!.devices.map((d) => d.type).join('+');

/**
 * One host fenced through one level the way the cluster fences:
 * `stonith_admin --fence` on another node, so Pacemaker's own topology
 * picks the device; for level 2 and beyond the levels before it are made
 * to fail the way they fail in life (bmc-dead, through the run session, so
 * the ledger and its guardian guarantee the revert). The off is seen
 * independently (the level's own device read through havoc's device
 * factory: the BMC's power, the switch ports over SNMP) and the stonith
 * history must show the new fence event; then the host is brought back and
 * the cluster must be steady again.
 */
export async function certifyFenceLevel(
  run: FencingRun,
  host: HostConfig,
  level: number,
): Promise<LevelOutcome> {
  const inv = run.session.loaded.inventory;
  const id = `fence.${host.name}.level${level}`;
  const evidenceFile = `evidence/fence-${host.name}-level${level}.json`;
  const offWithinS = inv.slos.defaults.fenceWithinSeconds ?? DEFAULT_OFF_WITHIN_S;
  const pcmk = pacemakerLevelsOf(run.cib, host.name);
  const base = {
    id,
    section: 'fencing' as const,
    title: `${host.name} fenced through level ${level} (${types(host, level - 1)})`,
    target: `stonith_admin --fence succeeds through Pacemaker's level ${level}, the host is seen off by its own device within ${offWithinS} s, and the stonith history records it`,
  };
  const line = (
    status: CertLine['status'],
    message: string,
    extra: Partial<CertLine> = {},
  ): LevelOutcome => ({
    line: {
      ...base,
      status,
      message,
      evidence: [{ label: "Pacemaker's fencing levels", text: pcmk.source }],
      ...extra,
    },
    steadyAfter: true,
  });
  const pcmkDevices = pcmk.levels[level - 1];
  if (!pcmkDevices) {
    return line(
      'fail',
      `the inventory declares level ${level} (${types(host, level - 1)}) for ${host.name} but Pacemaker has ${pcmk.levels.length} level(s): ${pcmk.source}`,
      {
        measured: `${pcmk.levels.length} level(s) configured in Pacemaker`,
        remediation: `configure the level in Pacemaker: pcs stonith level add ${level} ${host.name} DEVICE (or crm configure fencing_topology), with a stonith device for ${types(host, level - 1)}`,
      },
    );
  }
  const plan = planFailover(inv, new Set([host.name]));
  if (plan.verdict !== 'fits') {
    return line(
      'inconclusive',
      `not run: the other hosts cannot carry the VMs of ${host.name} (${plan.verdict}: ${plan.unplaced.join(', ')})`,
    );
  }
  const earlier = host.fencing.levels.slice(0, level - 1);
  const ownHasBmc = host.fencing.levels[level - 1]!.devices.some((d) => d.type === 'bmc');
  if (earlier.some((l) => l.devices.some((d) => d.type !== 'bmc')) || (level > 1 && ownHasBmc)) {
    return line(
      'inconclusive',
      `not run: the levels before level ${level} can only be made to fail by bmc-dead (a dead BMC), and that needs them to be BMC levels and this one not`,
    );
  }
  run.progress(`fence ${host.name} level ${level}: waiting for the steady state`);
  const before = await run.steady.waitFor(STEADY_BEFORE_MS, undefined);
  if (!before.ok)
    return line('inconclusive', `not run: the cluster is not in its steady state (${before.reason})`);

  const broken: InjectedFault[] = [];
  const record: FenceRecord = {
    request: { node: '', argv: [], exitCode: undefined, stdout: '', stderr: '', ms: 0 },
    seenOffBy: [],
  };
  const notes: string[] = [];
  let outcome: LevelOutcome;
  try {
    if (level > 1) {
      let dead: InjectedFault;
      try {
        dead = await run.session.inject(
          bmcDead,
          { host: host.name },
          { maxDurationMs: 30 * 60_000, progress: run.progress },
        );
      } catch (err) {
        // Refused (nothing was injected): the level cannot be tested, nothing to bring back.
        return line('inconclusive', `not run: ${errorMessage(err)}`);
      }
      broken.push(dead);
      if (dead.error) {
        return line('inconclusive', `not run: the BMC of ${host.name} could not be made dead: ${dead.error}`);
      }
      notes.push(
        `levels 1-${level - 1} failed on purpose: ${dead.summary} (${dead.injected?.evidence.join('; ') ?? ''})`,
      );
    }
    try {
      outcome = await fenceAndJudge(run, host, level, pcmkDevices, offWithinS, record, line);
    } catch (err) {
      if (run.signal.aborted) throw err;
      outcome = line('error', `the fence could not be requested or judged: ${errorMessage(err)}`);
    }
  } finally {
    for (const f of broken) {
      const r = await run.session.revert(f, `certification: ${id} done`, run.progress);
      notes.push(`${f.summary}: reverted by ${r.by}${r.ok ? '' : ` NOT verified (${r.reason})`}`);
    }
  }
  // Brought back whether or not it was seen off: a host half-fenced is put back too.
  run.progress(`fence ${host.name} level ${level}: bringing ${host.name} back`);
  try {
    notes.push(...(await bringBack(run, host, level)));
  } catch (err) {
    notes.push(`bringing ${host.name} back failed: ${errorMessage(err)}`);
  }
  const after = await run.steady.waitFor(STEADY_AFTER_MS, undefined);
  notes.push(after.ok ? 'steady again' : `not steady again: ${after.reason}`);
  writeFileSync(
    join(run.evidenceDir, `fence-${host.name}-level${level}.json`),
    `${JSON.stringify({ id, pacemaker: pcmk, ...record, notes }, null, 2)}\n`,
  );
  outcome.line.evidence.push({
    label: 'the fence request, what saw it off, the stonith history, the way back',
    file: evidenceFile,
  });
  if (!after.ok && outcome.line.status === 'pass') {
    outcome.line = {
      ...outcome.line,
      status: 'fail',
      message: `${outcome.line.message}; but the cluster did not come back to its steady state: ${after.reason}`,
    };
  }
  return { line: outcome.line, steadyAfter: after.ok };
}

async function fenceAndJudge(
  run: FencingRun,
  host: HostConfig,
  level: number,
  pcmkDevices: readonly string[],
  offWithinS: number,
  record: FenceRecord,
  line: (status: CertLine['status'], message: string, extra?: Partial<CertLine>) => LevelOutcome,
): Promise<LevelOutcome> {
  const ctx = run.session.context(offWithinS * 1000 + 120_000, run.signal);
  // --verbose: without it stonith_admin 2.1.5 lists one success per target, and not always the newest (seen in the lab).
  const historyOf = async () =>
    parseStonithHistory(
      (
        await onCluster(ctx, ['stonith_admin', '--history', host.name, '--verbose', '--output-as=xml'], {
          avoid: host.name,
        })
      ).stdout,
    ).filter((e) => e.target === host.name);
  // Only the fencer's log names the device that did it (a fence_event has no device): its successful
  // fences of this host are counted on every other node first, so an old line is never taken for this fence.
  const successLogLines = async (node: string): Promise<string[]> => {
    const r = await ctx.ssh
      .exec(
        sshLoginOf(hostOf(ctx, node)),
        `grep -hE "targeting ${host.name} using [^ ]+ returned 0|for host '${host.name}' with device '[^']+' returned: 0" /var/log/pacemaker/pacemaker.log 2>/dev/null; true`,
        {
          signal: deadlineSignal(20_000, `the fencer's log on ${node}`, run.signal),
          what: `fencer log on ${node}`,
        },
      )
      .catch(() => undefined);
    return (r?.stdout ?? '').split('\n').filter(Boolean);
  };
  const others = run.session.loaded.inventory.hosts.filter((h) => h.name !== host.name).map((h) => h.name);
  const logBefore = new Map(
    await Promise.all(others.map(async (n) => [n, (await successLogLines(n)).length] as const)),
  );
  const known = new Set((await historyOf()).map((e) => JSON.stringify(e)));
  const fence = createFenceContext(run.session.loaded, run.session.log, host.fencing.timeoutSeconds * 1000);
  const devices: FenceDevice[] = await devicesOfLevel(host, level - 1, fence);
  try {
    // Longer than the SLO: a level that fails first (a dead BMC) costs its own timeout, and the
    // request must still end with its own answer; the off is judged against the SLO itself.
    const argv = ['stonith_admin', '--fence', host.name, '--timeout', String(offWithinS + 60)];
    run.progress(`fence ${host.name} level ${level}: ${argv.join(' ')}`);
    const t0 = monotonicMs();
    const watching = new AbortController();
    const seenOff = pollUntil(
      async (s) => {
        const states = await Promise.all(devices.map((d) => d.status(s).catch(() => undefined)));
        return states.every((x) => x === 'off') ? monotonicMs() : undefined;
      },
      AbortSignal.any([
        watching.signal,
        // Watched as long as the request may run: a late off is measured and judged late, not unseen.
        deadlineSignal((offWithinS + 90) * 1000, `${host.name} seen off`, run.signal),
      ]),
      { initialMs: 100, maxMs: 500 },
    ).then(
      (at) => {
        record.seenOffMs = at - t0;
        record.seenOffBy = devices.map((d) => `${d.description} reads off`);
      },
      (err: unknown) => {
        record.seenOffError = errorMessage(err);
      },
    );
    // One request on one node, with its own deadline: a request that seems to hang is never sent again elsewhere.
    const node = crmMonHosts(run.session.loaded.inventory).find((n) => n !== host.name);
    if (!node) throw new HavocError('config', `no cluster node other than ${host.name} to ask for its fence`);
    const request = {
      node,
      ...(await ctx.ssh.exec(sshLoginOf(hostOf(ctx, node)), shCommand(argv), {
        signal: deadlineSignal((offWithinS + 90) * 1000, `${argv.join(' ')} on ${node}`, run.signal),
        what: `stonith_admin on ${node}`,
        allowFailure: true,
      })),
    };
    record.request = {
      node: request.node,
      argv,
      exitCode: request.exitCode,
      stdout: request.stdout,
      stderr: request.stderr,
      ms: monotonicMs() - t0,
    };
    // A failed request ends the watch at once; a successful one leaves it until the device reads off.
    if (request.exitCode !== 0) watching.abort(new Error(`stonith_admin exited with ${request.exitCode}`));
    await seenOff;
    try {
      // Right after a fence the node asked may not have merged the new event yet (seen in the lab): polled.
      record.history = await pollUntil(
        async () =>
          (await historyOf()).filter((e) => !known.has(JSON.stringify(e)) && e.status !== 'pending').at(-1),
        deadlineSignal(HISTORY_MS, 'a new fence event in the stonith history', run.signal),
        { initialMs: 500, maxMs: 3_000 },
      );
    } catch (err) {
      if (run.signal.aborted) throw err;
      record.historyError = `no new fence event for ${host.name}: ${errorMessage(err)}`;
    }
    const delegate = record.history?.delegate;
    if (delegate) {
      const fresh = (await successLogLines(delegate)).slice(logBefore.get(delegate) ?? 0);
      record.fencerLog = fresh.at(-1);
      record.device = record.fencerLog
        ?.match(/using (\S+) returned|with device '([^']+)'/)
        ?.slice(1)
        .find(Boolean);
      if (!record.fencerLog)
        record.fencerLogError = `no new successful fence of ${host.name} in the fencer's log on ${delegate}`;
    }
  } finally {
    await Promise.all(devices.map((d) => d.close?.()));
    closeFenceContext(fence);
  }
  const r = record.request;
  const seen =
    record.seenOffMs !== undefined
      ? `${host.name} seen off ${(record.seenOffMs / 1000).toFixed(1)} s after the request (${record.seenOffBy.join(', ')})`
      : `${host.name} not seen off (${record.seenOffError})`;
  const hist = record.history
    ? `history: ${record.history.action} ${record.history.status} by ${record.history.delegate ?? '?'}${record.history.completed ? ` at ${record.history.completed}` : ''}`
    : `history: ${record.historyError}`;
  const device = record.device
    ? `device ${record.device}${pcmkDevices.includes(record.device) ? ` (level ${level})` : ` (NOT of level ${level}: ${pcmkDevices.join('+')})`}`
    : `device not named (${record.fencerLogError ?? "the fencer's log was not read"}); level ${level} is ${pcmkDevices.join('+')}`;
  const measured = `${seen}; stonith_admin on ${r.node} exit ${r.exitCode} after ${(r.ms / 1000).toFixed(1)} s; ${hist}; ${device}`;
  const ok =
    r.exitCode === 0 &&
    record.seenOffMs !== undefined &&
    record.seenOffMs <= offWithinS * 1000 &&
    record.history?.status === 'success' &&
    (record.device === undefined || pcmkDevices.includes(record.device));
  const why = [
    r.exitCode !== 0
      ? `stonith_admin --fence failed (exit ${r.exitCode}: ${(r.stderr || r.stdout).trim().split('\n').at(-1)})`
      : '',
    record.seenOffMs === undefined
      ? `${host.name} was not seen off (${record.seenOffError})`
      : record.seenOffMs > offWithinS * 1000
        ? `${host.name} seen off only after ${(record.seenOffMs / 1000).toFixed(1)} s, more than ${offWithinS} s`
        : '',
    record.history?.status !== 'success'
      ? `the stonith history has no successful fence of ${host.name} (${record.history?.status ?? record.historyError})`
      : '',
    record.device !== undefined && !pcmkDevices.includes(record.device)
      ? `fenced by ${record.device}, not by level ${level}`
      : '',
  ].filter(Boolean);
  return line(ok ? 'pass' : 'fail', ok ? `fenced: ${measured}` : why.join('; '), {
    measured,
    ...(ok
      ? {}
      : {
          remediation: `check the stonith device(s) ${pcmkDevices.join(', ')} of level ${level} for ${host.name}: stonith_admin --list ${host.name}, and the fencer's log`,
        }),
  });
}

/**
 * Power back on through the BMC. After a fabric level (switch ports) the
 * host is still running, cut off while its VMs were restarted elsewhere: it
 * is powered off first, and only then are its ports brought back, so its
 * stale VMs never reach the shared storage again; then it is powered on
 * (chaos/unfence.ts, as host-hang's revert does it).
 */
async function bringBack(run: FencingRun, host: HostConfig, level: number): Promise<string[]> {
  const signal = AbortSignal.any([run.signal, AbortSignal.timeout(STEADY_AFTER_MS)]);
  const fabric = host.fencing.levels[level - 1]!.devices.some((d) => d.type === 'switch-ports');
  const ctx = run.session.context(STEADY_AFTER_MS, run.signal);
  if (fabric) return restoreFabricFenced(ctx, host.name, [level - 1]);
  if (!host.bmc) return [`${host.name} has no BMC: its power is as the level left it`];
  const notes: string[] = [];
  await withBmcDevice(ctx, host.name, async (bmc) => {
    await powerOnAndWaitForSsh(bmc, host, signal);
    notes.push(`${bmc.description}: on, SSH answers`);
  });
  return notes;
}
