import { monotonicMs } from '../core/deadline.js';
import { HavocError } from '../core/errors.js';
import { closeFenceContext, createFenceContext } from '../fencers/context.js';
import type { FenceDevice } from '../fencers/device.js';
import { devicesOfLevel } from '../fencers/device-factory.js';
import { driveToState } from '../fencers/verify.js';
import type { HostConfig } from '../inventory/schema.js';
import { withBmcDevice } from './bmc-device.js';
import type { FaultContext } from './fault.js';
import { hostOf } from './fault-hosts.js';
import { driveBmc, powerOnAndWaitForSsh } from './host-power.js';

/*
 * A host fenced through a fabric level (its switch ports, because its BMC
 * was dead) is still running, cut off, while the cluster restarted its VMs
 * elsewhere. Bringing its ports back as it is would let those stale VMs
 * reach the shared storage again (two writers of one disk), and letting it
 * go on would let its cluster stack rejoin with them. So it is powered off
 * through its BMC first, then its ports are turned on and seen on, then it
 * is powered on and waited for until SSH answers.
 */

/** Runs `use` on every fabric device of one level of the host, closed after. */
async function withFabricDevices<T>(
  ctx: FaultContext,
  host: HostConfig,
  level: number,
  use: (devices: FenceDevice[]) => Promise<T>,
): Promise<T | undefined> {
  const fence = createFenceContext(ctx.loaded, ctx.log, host.fencing.timeoutSeconds * 1000);
  try {
    const devices = await devicesOfLevel(host, level, fence);
    try {
      if (devices.length === 0 || devices.some((d) => d.kind !== 'fabric')) return undefined;
      return await use(devices);
    } finally {
      await Promise.all(devices.map((d) => d.close?.()));
    }
  } finally {
    closeFenceContext(fence);
  }
}

/** The 0-based fabric levels of the host whose every device reads off (every port down): fenced there. */
export async function fabricFencedLevels(ctx: FaultContext, name: string): Promise<number[]> {
  const host = hostOf(ctx, name);
  const fenced: number[] = [];
  for (const [i] of host.fencing.levels.entries()) {
    const off = await withFabricDevices(ctx, host, i, async (devices) =>
      (await Promise.all(devices.map((d) => d.status(ctx.signal)))).every((s) => s === 'off'),
    );
    if (off) fenced.push(i);
  }
  return fenced;
}

/**
 * Brings back a host fenced at the given fabric levels (0-based): BMC off,
 * every port of those levels on (seen on), BMC on and SSH. Returns what it
 * did, one line each, for the revert's record.
 */
export async function restoreFabricFenced(
  ctx: FaultContext,
  name: string,
  levels: readonly number[],
): Promise<string[]> {
  const host = hostOf(ctx, name);
  if (levels.length === 0) return [];
  if (!host.bmc)
    throw new HavocError(
      'refused',
      `${name} was fenced at its switch ports and has no BMC to restart it through`,
      {
        target: name,
        hint: `restart ${name} by hand, then bring its switch ports up (havoc fence ${name} on)`,
      },
    );
  const done: string[] = [];
  await withBmcDevice(ctx, name, async (bmc) => {
    await driveBmc(bmc, host, 'off', ctx.signal);
    done.push(`${bmc.description}: off, before its ports come back`);
  });
  for (const level of levels)
    await withFabricDevices(ctx, host, level, async (devices) => {
      for (const d of devices) {
        await driveToState(d, 'on', host.fencing.timeoutSeconds * 1000, ctx.signal, [], monotonicMs());
        done.push(`level ${level + 1}: ${d.description} on`);
      }
    });
  await withBmcDevice(ctx, name, async (bmc) => {
    await powerOnAndWaitForSsh(bmc, host, ctx.signal);
    done.push(`${bmc.description}: on, SSH answers`);
  });
  return done;
}
