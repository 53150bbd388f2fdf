import { monotonicMs, pollUntil } from '../../core/deadline.js';
import { errorMessage, HavocError } from '../../core/errors.js';
import type { FenceDevice, PowerState } from '../../fencers/device.js';
import { driveToState } from '../../fencers/verify.js';
import type { HostConfig } from '../../inventory/schema.js';
import { withBmcDevice } from '../bmc-device.js';
import type { Fault, Observation } from '../fault.js';
import { hostOf } from '../fault-hosts.js';
import { type OneHostParams, oneHostFault } from '../one-host.js';
import { sshAnswers } from '../ssh-answers.js';

/** A host may take this long from power on until its sshd answers (a real server's POST is minutes). */
const BOOT_MS = 10 * 60_000;

export type HostPowerOffParams = OneHostParams;

/**
 * Powers a host off through its BMC, with the BMC fence device the fencer
 * itself uses (fencers/device-factory.ts: IPMI, Redfish or CIMC). Verified by
 * the BMC reading off AND SSH to the host no longer answering; reverted by
 * power on and waiting for SSH to answer again.
 */
export const hostPowerOff: Fault<HostPowerOffParams> = {
  ...oneHostFault('host-power-off'),
  kind: 'fault',
  summary:
    'power a host off through its BMC (the bmc fence device: IPMI, Redfish or CIMC); TARGET is one host; reverted by power on and waiting for SSH',
  requiresFencing: true,
  maxDurationMs: 60 * 60_000,

  async refuse(p, ctx) {
    const host = hostOf(ctx, p.host);
    if (!host.bmc)
      return [
        `host "${p.host}" has no bmc: host-power-off powers hosts off through their BMC (add hosts.${p.host}.bmc)`,
      ];
    if (!host.ssh)
      return [`host "${p.host}" has no ssh section: host-power-off waits for SSH to answer after power on`];
    return [];
  },

  describe(p) {
    return {
      summary: `power off ${p.host} through its BMC`,
      targets: [p.host],
      revert: `power ${p.host} on through its BMC and wait for SSH to answer`,
      secretRefs: [],
    };
  },

  async inject(p, ctx) {
    await withBmcDevice(ctx, p.host, (device, host) => drive(device, host, 'off', ctx.signal));
  },

  async verify(p, ctx) {
    return withBmcDevice(ctx, p.host, async (device, host) => {
      const [power, ssh] = await Promise.all([device.status(ctx.signal), sshAnswers(host, ctx.signal)]);
      const evidence = [
        `${device.description} reads power ${power}`,
        `SSH to ${host.name} (${host.address}): ${ssh.answered ? 'answered' : `no answer (${ssh.detail})`}`,
      ];
      const state: Observation['state'] =
        power === 'off' && !ssh.answered
          ? 'in-effect'
          : power === 'on' && ssh.answered
            ? 'absent'
            : 'partial';
      return { state, evidence };
    });
  },

  async revert(p, ctx) {
    await withBmcDevice(ctx, p.host, async (device, host) => {
      await drive(device, host, 'on', ctx.signal);
      await pollUntil(
        async (signal) => ((await sshAnswers(host, signal)).answered ? true : undefined),
        AbortSignal.any([ctx.signal, AbortSignal.timeout(BOOT_MS)]),
        { initialMs: 200, maxMs: 2_000 },
      ).catch((err: unknown) => {
        throw new HavocError(
          'revert',
          `${host.name} is powered on but SSH did not answer: ${errorMessage(err)}`,
          {
            target: host.name,
          },
        );
      });
    });
  },
};

/** Status, command and polls until seen, as a fence drives the device (fencers/verify.ts). */
function drive(device: FenceDevice, host: HostConfig, target: PowerState, signal: AbortSignal) {
  return driveToState(device, target, host.fencing.timeoutSeconds * 1000, signal, [], monotonicMs());
}
