import { z } from 'zod';
import { monotonicMs, pollUntil } from '../../core/deadline.js';
import { errorMessage, HavocError } from '../../core/errors.js';
import { closeFenceContext, createFenceContext } from '../../fencers/context.js';
import type { FenceDevice, PowerState } from '../../fencers/device.js';
import { devicesOfLevel } from '../../fencers/device-factory.js';
import { driveToState } from '../../fencers/verify.js';
import type { HostConfig } from '../../inventory/schema.js';
import type { Fault, FaultContext, Observation } from '../fault.js';
import { hostOf } from '../fault-hosts.js';
import { sshAnswers } from '../ssh-answers.js';

/** A host may take this long from power on until its sshd answers (a real server's POST is minutes). */
const BOOT_MS = 10 * 60_000;

const params = z.strictObject({ host: z.string().min(1) });
export type HostPowerOffParams = z.infer<typeof params>;

/**
 * Powers a host off through its BMC, with the BMC fence device the fencer
 * itself uses (fencers/device-factory.ts: IPMI, Redfish or CIMC). Verified by
 * the BMC reading off AND SSH to the host no longer answering; reverted by
 * power on and waiting for SSH to answer again.
 */
export const hostPowerOff: Fault<HostPowerOffParams> = {
  name: 'host-power-off',
  summary:
    'power a host off through its BMC (the bmc fence device: IPMI, Redfish or CIMC); TARGET is one host; reverted by power on and waiting for SSH',
  params,
  requiresFencing: true,
  maxDurationMs: 60 * 60_000,

  fromCommandLine(targets, options) {
    const keys = Object.keys(options);
    if (keys.length > 0)
      throw new HavocError('usage', `host-power-off has no parameter "${keys[0]}"`, {
        hint: 'its only argument is the host: havoc chaos inject host-power-off HOST',
      });
    if (targets.length !== 1)
      throw new HavocError('usage', `host-power-off acts on one host, got ${targets.length}`, {
        hint: 'havoc chaos inject host-power-off HOST',
      });
    return { host: targets[0] };
  },

  hosts: (p) => [p.host],

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
    await withBmc(ctx, p.host, (device, host) => drive(device, host, 'off', ctx.signal));
  },

  async verify(p, ctx) {
    return withBmc(ctx, p.host, async (device, host) => {
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
    await withBmc(ctx, p.host, async (device, host) => {
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

/** The host's BMC as its `bmc` fence device, built by the one device factory, closed after use. */
async function withBmc<T>(
  ctx: FaultContext,
  name: string,
  use: (device: FenceDevice, host: HostConfig) => Promise<T>,
): Promise<T> {
  const host = hostOf(ctx, name);
  const fence = createFenceContext(ctx.loaded, ctx.log, host.fencing.timeoutSeconds * 1000);
  // A one-level plan holding just the bmc device: the host's own levels may put it later, or not at all.
  const bmcOnly: HostConfig = {
    ...host,
    fencing: { ...host.fencing, levels: [{ devices: [{ type: 'bmc' }] }] },
  };
  const devices = await devicesOfLevel(bmcOnly, 0, fence);
  try {
    return await use(devices[0]!, host);
  } finally {
    await Promise.all(devices.map((d) => d.close?.()));
    closeFenceContext(fence);
  }
}

/** Status, command and polls until seen, as a fence drives the device (fencers/verify.ts). */
function drive(device: FenceDevice, host: HostConfig, target: PowerState, signal: AbortSignal) {
  return driveToState(device, target, host.fencing.timeoutSeconds * 1000, signal, [], monotonicMs());
}
