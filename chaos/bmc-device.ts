import { closeFenceContext, createFenceContext } from '../fencers/context.js';
import type { FenceDevice } from '../fencers/device.js';
import { devicesOfLevel } from '../fencers/device-factory.js';
import type { HostConfig } from '../inventory/schema.js';
import type { FaultContext } from './fault.js';
import { hostOf } from './fault-hosts.js';

/**
 * The host's BMC as its `bmc` fence device, built by the one device factory
 * (IPMI, Redfish or CIMC, with the host's fencing deadline), closed after use.
 */
export async function withBmcDevice<T>(
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
