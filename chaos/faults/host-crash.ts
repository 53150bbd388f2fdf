import { readFileSync } from 'node:fs';
import { deadlineSignal, pollUntil } from '../../core/deadline.js';
import { errorMessage, HavocError } from '../../core/errors.js';
import type { HostConfig } from '../../inventory/schema.js';
import { withBmcDevice } from '../bmc-device.js';
import { pulseDiagnosticInterrupt } from '../bmc-nmi.js';
import type { Fault, FaultContext, Observation } from '../fault.js';
import { hostOf } from '../fault-hosts.js';
import { powerCycleUnlessBack, readPowerAndSsh } from '../host-power.js';
import { type OneHostParams, oneHostFault } from '../one-host.js';
import { freshSshExec, sshAnswers } from '../ssh-answers.js';

/** A crashed kernel stops answering within seconds; a host still answering after this did not crash. */
const DEATH_MS = 60_000;

export type HostCrashParams = OneHostParams;

/**
 * The host dies without a clean shutdown while its power stays on, so the
 * cluster must fence it. How is declared per host (hosts[].chaos.crash):
 * `sysrq` writes c to /proc/sysrq-trigger over SSH (real hosts, opt-in);
 * `nmi` pulses the diagnostic interrupt through the BMC (a kernel that
 * panics on NMI dies; the lab's BMC kills every process of its host, power
 * on). Verified by the BMC reading power on AND a fresh SSH login failing;
 * reverted by power off (if it reads on and SSH does not answer), power on,
 * and waiting for SSH.
 */
export const hostCrash: Fault<HostCrashParams> = {
  kind: 'fault',
  ...oneHostFault('host-crash'),
  summary:
    'crash a host with its power on (hosts[].chaos.crash: sysrq over SSH, or nmi through its BMC), so the cluster must fence it; TARGET is one host; reverted by power off and on through the BMC and waiting for SSH',
  requiresFencing: true,
  maxDurationMs: 60 * 60_000,

  async refuse(p, ctx) {
    const host = hostOf(ctx, p.host);
    const method = host.chaos?.crash;
    if (!method) {
      return [
        `hosts.${p.host}.chaos.crash is not declared: say how ${p.host} may be crashed (sysrq: echo c > /proc/sysrq-trigger over SSH, needs kdump off; nmi: the BMC's diagnostic interrupt, needs a kernel that panics on NMI)`,
      ];
    }
    const reasons: string[] = [];
    if (!host.bmc)
      reasons.push(
        `host "${p.host}" has no bmc: host-crash ${method === 'nmi' ? 'crashes the host and ' : ''}brings it back through its BMC (add hosts.${p.host}.bmc)`,
      );
    if (!host.ssh)
      reasons.push(
        `host "${p.host}" has no ssh section: host-crash sees the crash by SSH no longer answering`,
      );
    if (reasons.length > 0) return reasons;
    if (method === 'sysrq') {
      const shared = await sharesOurKernel(host, ctx);
      if (shared) reasons.push(shared);
    }
    return reasons;
  },

  describe(p) {
    return {
      summary: `crash ${p.host} (power stays on)`,
      targets: [p.host],
      revert: `power ${p.host} off and on through its BMC (unless it is already back) and wait for SSH to answer`,
      secretRefs: [],
    };
  },

  async inject(p, ctx) {
    const host = hostOf(ctx, p.host);
    let detail: string;
    if (host.chaos?.crash === 'sysrq') {
      const shared = await sharesOurKernel(host, ctx);
      if (shared) throw new HavocError('refused', shared);
      // Detached with a short delay, so the SSH command returns before the kernel dies under it.
      await freshSshExec(
        host,
        "nohup sh -c 'sleep 0.5; echo c > /proc/sysrq-trigger' </dev/null >/dev/null 2>&1 &",
        ctx.signal,
      );
      detail = `echo c > /proc/sysrq-trigger on ${host.name} over SSH`;
    } else {
      detail = await pulseDiagnosticInterrupt(ctx, p.host);
    }
    await pollUntil(
      async (s) => ((await sshAnswers(host, s)).answered ? undefined : true),
      deadlineSignal(DEATH_MS, `${host.name} to stop answering SSH after the crash`, ctx.signal),
      { initialMs: 100, maxMs: 1_000 },
    ).catch((err: unknown) => {
      throw new HavocError('inject', `${host.name} still answers SSH after ${detail}: ${errorMessage(err)}`, {
        target: host.name,
        hint:
          host.chaos?.crash === 'nmi'
            ? 'its kernel must panic on NMI (sysctl kernel.unknown_nmi_panic=1 or kernel.panic_on_unrecovered_nmi=1)'
            : 'check that the host allows writes to /proc/sysrq-trigger',
      });
    });
    return { detail };
  },

  async verify(p, ctx) {
    return withBmcDevice(ctx, p.host, async (device, host) => {
      const seen = await readPowerAndSsh(device, host, ctx.signal);
      const state: Observation['state'] =
        seen.power === 'on' && !seen.sshAnswered ? 'in-effect' : seen.sshAnswered ? 'absent' : 'partial';
      return { state, evidence: seen.evidence };
    });
  },

  async revert(p, ctx) {
    await withBmcDevice(ctx, p.host, async (device, host) => {
      await powerCycleUnlessBack(device, host, ctx.signal);
    });
  },
};

/**
 * Why a sysrq crash would hit this very machine, or undefined: a host whose
 * kernel boot id is this machine's shares its kernel (a lab host, a
 * container), and `echo c` there would crash the station and every lab host.
 */
async function sharesOurKernel(host: HostConfig, ctx: FaultContext): Promise<string | undefined> {
  const ours = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  let theirs: string;
  try {
    theirs = (await freshSshExec(host, 'cat /proc/sys/kernel/random/boot_id', ctx.signal)).stdout.trim();
  } catch (err) {
    if (ctx.signal.aborted) throw err;
    return `cannot read the kernel boot id of ${host.name} over SSH (${errorMessage(err)}): a sysrq crash is only sent to a host known not to share this machine's kernel`;
  }
  return theirs === ours
    ? `${host.name} runs on this machine's kernel (same boot id ${ours}): a sysrq crash would crash this machine; declare hosts.${host.name}.chaos.crash: nmi`
    : undefined;
}
