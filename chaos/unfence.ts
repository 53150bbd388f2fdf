import { HavocError } from '../core/errors.js';
import { closeFenceContext, createFenceContext } from '../fencers/context.js';
import { describeFenceResult } from '../fencers/describe-result.js';
import { devicesOfLevel } from '../fencers/device-factory.js';
import { fenceHost } from '../fencers/fence-host.js';
import type { FaultContext } from './fault.js';
import { hostOf } from './fault-hosts.js';

/**
 * After a fault the cluster answered by fencing the host through a fabric
 * level (its switch ports, because its BMC was dead), powering on is not
 * enough: the ports stay down until someone un-fences them. Every fabric
 * level whose devices all read off (every port down: fenced) is turned on
 * and seen on, through the one fencer. Returns what it did, for the revert's
 * record; a level it could not turn on is an error naming the level.
 */
export async function unfenceFabricLevels(ctx: FaultContext, name: string): Promise<string[]> {
  const host = hostOf(ctx, name);
  const fence = createFenceContext(ctx.loaded, ctx.log, host.fencing.timeoutSeconds * 1000);
  const done: string[] = [];
  try {
    for (const [i] of host.fencing.levels.entries()) {
      const devices = await devicesOfLevel(host, i, fence);
      let fenced = false;
      try {
        if (devices.length === 0 || devices.some((d) => d.kind !== 'fabric')) continue;
        const states = await Promise.all(devices.map((d) => d.status(ctx.signal)));
        fenced = states.every((s) => s === 'off');
      } finally {
        await Promise.all(devices.map((d) => d.close?.()));
      }
      if (!fenced) continue;
      const r = await fenceHost(host, 'on', fence, { level: i + 1, signal: ctx.signal });
      if (!r.ok)
        throw new HavocError(
          'refused',
          `${name} was fenced through level ${i + 1} (every port down) and could not be un-fenced: ${describeFenceResult(r).join(' / ')}`,
          { hint: `havoc fence ${name} on --level ${i + 1}` },
        );
      done.push(`un-fenced ${name} through level ${i + 1} (ports on, seen on)`);
    }
  } finally {
    closeFenceContext(fence);
  }
  return done;
}
