import { withBmcDevice } from '../bmc-device.js';
import type { Fault, Observation } from '../fault.js';
import { hostOf } from '../fault-hosts.js';
import { driveBmc, powerOnAndWaitForSsh, readPowerAndSsh } from '../host-power.js';
import { type OneHostParams, oneHostFault } from '../one-host.js';

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
    await withBmcDevice(ctx, p.host, (device, host) => driveBmc(device, host, 'off', ctx.signal));
  },

  async verify(p, ctx) {
    return withBmcDevice(ctx, p.host, async (device, host) => {
      const seen = await readPowerAndSsh(device, host, ctx.signal);
      const state: Observation['state'] =
        seen.power === 'off' && !seen.sshAnswered
          ? 'in-effect'
          : seen.power === 'on' && seen.sshAnswered
            ? 'absent'
            : 'partial';
      return { state, evidence: seen.evidence };
    });
  },

  async revert(p, ctx) {
    await withBmcDevice(ctx, p.host, (device, host) => powerOnAndWaitForSsh(device, host, ctx.signal));
  },
};
