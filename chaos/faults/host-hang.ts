import { errorMessage, HavocError } from '../../core/errors.js';
import { withBmcDevice } from '../bmc-device.js';
import type { Fault, FaultContext, Observation } from '../fault.js';
import { hostOf } from '../fault-hosts.js';
import {
  injectCgroupHang,
  refuseCgroupHang,
  revertCgroupHang,
  verifyCgroupHang,
} from '../host-hang-cgroups.js';
import { powerOnAndWaitForSsh, waitForSsh } from '../host-power.js';
import { freezableNetns, freezeNetns, netnsProcesses, thawNetns } from '../netns-freeze.js';
import { type OneHostParams, oneHostFault } from '../one-host.js';
import { sshAnswers } from '../ssh-answers.js';
import { fabricFencedLevels, restoreFabricFenced } from '../unfence.js';

export type HostHangParams = OneHostParams;

/**
 * The host stops answering but stays powered: the case where only a fence
 * gets the cluster out. Declared per host (hosts[].chaos.hang), one of:
 * `cgroups: [PATH...]` or `cgroups: systemd` freezes those cgroups of a real
 * host through a dead man's switch started over SSH (chaos/host-hang-cgroups.ts);
 * `netns: NAME` freezes every process of that network namespace of this
 * station with SIGSTOP (the lab's hosts). The netns way is verified by every
 * process of it reading state T in /proc AND a fresh SSH login failing;
 * reverted by SIGCONT to every process of it, then, if the cluster fenced the
 * host meanwhile, power on (the BMC reads off), or, fenced at its switch
 * ports, power off, ports on and power on (chaos/unfence.ts); then waiting for SSH.
 */
export const hostHang: Fault<HostHangParams> = {
  kind: 'fault',
  ...oneHostFault('host-hang'),
  summary:
    "freeze a host so it stays powered but answers nothing (hosts[].chaos.hang.cgroups: its cgroups frozen over SSH by a dead man's switch; .netns: SIGSTOP of a lab host's processes); TARGET is one host; reverted through its BMC (power on if fenced, else a power cycle) or, in the lab, by SIGCONT",
  requiresFencing: true,
  maxDurationMs: 60 * 60_000,

  async refuse(p, ctx) {
    const host = hostOf(ctx, p.host);
    const hang = host.chaos?.hang;
    if (!hang) {
      return [
        `hosts.${p.host}.chaos.hang is not declared: say how ${p.host} may be frozen (cgroups: systemd, or cgroups: [/sys/fs/cgroup/PATH, ...] for a real host, over SSH; netns: NAME for a lab host)`,
      ];
    }
    const reasons: string[] = [];
    if (!host.bmc)
      reasons.push(
        hang.cgroups
          ? `host "${p.host}" has no bmc: once frozen, ${p.host} is reached only through its BMC (power on after a fence, or a power cycle) (add hosts.${p.host}.bmc)`
          : `host "${p.host}" has no bmc: host-hang powers the host on again if the cluster fenced it (add hosts.${p.host}.bmc)`,
      );
    if (!host.ssh)
      reasons.push(`host "${p.host}" has no ssh section: host-hang sees the hang by SSH no longer answering`);
    if (hang.cgroups) {
      if (reasons.length > 0) return reasons;
      return refuseCgroupHang(host, ctx);
    }
    try {
      const procs = netnsProcesses(freezableNetns(hang.netns!));
      if (procs.length === 0)
        reasons.push(`network namespace ${hang.netns} of ${p.host} has no process: is the host powered off?`);
      const stopped = procs.filter((x) => x.state === 'T');
      if (stopped.length > 0) {
        reasons.push(
          `${stopped.length} processes of ${p.host} (network namespace ${hang.netns}) are already stopped: another host-hang is in effect or was not healed (see havoc chaos status, havoc heal)`,
        );
      }
    } catch (err) {
      reasons.push(errorMessage(err));
    }
    return reasons;
  },

  describe(p) {
    return {
      summary: `hang ${p.host} (every process stopped, power on)`,
      targets: [p.host],
      revert: `thaw ${p.host}: for cgroups, power on through its BMC if fenced, else a power cycle, then over SSH kill the dead man's switch, thaw the cgroups and remove its own; for a lab netns, SIGCONT to its processes (power on if fenced); wait for SSH`,
      secretRefs: [],
    };
  },

  async inject(p, ctx) {
    const host = hostOf(ctx, p.host);
    if (host.chaos?.hang?.cgroups) return injectCgroupHang(host, ctx);
    const ns = netnsOf(ctx, p.host);
    const n = await freezeNetns(ns, ctx.signal);
    return { detail: `SIGSTOP to ${n} processes of network namespace ${ns}` };
  },

  async verify(p, ctx) {
    const host = hostOf(ctx, p.host);
    if (host.chaos?.hang?.cgroups) return verifyCgroupHang(host, ctx);
    const ns = netnsOf(ctx, p.host);
    const [procs, ssh] = await Promise.all([
      Promise.resolve(netnsProcesses(freezableNetns(ns))),
      sshAnswers(host, ctx.signal),
    ]);
    const stopped = procs.filter((x) => x.state === 'T').length;
    const evidence = [
      `network namespace ${ns}: ${stopped} of ${procs.length} processes in state T (stopped) in /proc`,
      `SSH to ${host.name} (${host.address}): ${ssh.answered ? 'answered' : `no answer (${ssh.detail})`}`,
    ];
    const state: Observation['state'] =
      procs.length > 0 && stopped === procs.length && !ssh.answered
        ? 'in-effect'
        : stopped === 0 && ssh.answered
          ? 'absent'
          : 'partial';
    return { state, evidence };
  },

  async revert(p, ctx) {
    if (hostOf(ctx, p.host).chaos?.hang?.cgroups) return revertCgroupHang(p.host, ctx);
    const ns = netnsOf(ctx, p.host);
    // Fenced at its switch ports while frozen (its BMC was dead): its VMs run elsewhere now, so it is powered
    // off before anything of it runs again, then its ports come back and it boots (chaos/unfence.ts).
    const fabric = await fabricFencedLevels(ctx, p.host);
    if (fabric.length > 0) {
      for (const line of await restoreFabricFenced(ctx, p.host, fabric)) ctx.log.info({ host: p.host }, line);
      thawNetns(ns);
      return;
    }
    thawNetns(ns);
    await withBmcDevice(ctx, p.host, async (device, host) => {
      // Fenced while frozen: the power-off killed the stopped processes; bring the host back.
      if ((await device.status(ctx.signal)) === 'off') await powerOnAndWaitForSsh(device, host, ctx.signal);
      else await waitForSsh(host, ctx.signal);
    });
  },
};

function netnsOf(ctx: FaultContext, name: string): string {
  const ns = hostOf(ctx, name).chaos?.hang?.netns;
  if (!ns)
    throw new HavocError('config', `hosts.${name}.chaos.hang.netns is not declared in ${ctx.inventoryFile}`);
  return ns;
}
