import { closeFenceContext, createFenceContext } from '../fencers/context.js';
import { fencingReadiness, MONITOR_MS } from '../fencers/readiness.js';
import type { FaultContext } from './fault.js';

/** One host's fencing as a suite's steady state sees it: ready, or why not (each level's failing devices). */
export interface HostFencing {
  host: string;
  ready: boolean;
  problems: string[];
}

/** Every host's fencing levels asked at once, with devices from the one factory (fencers/readiness.ts). */
export async function fencingOfHosts(ctx: FaultContext): Promise<HostFencing[]> {
  const fence = createFenceContext(ctx.loaded, ctx.log, MONITOR_MS);
  try {
    return await Promise.all(
      ctx.inventory.hosts.map(async (host): Promise<HostFencing> => {
        if (host.fencing.levels.length === 0)
          return { host: host.name, ready: false, problems: ['no fencing levels'] };
        const levels = await fencingReadiness(host, fence, ctx.signal);
        return {
          host: host.name,
          ready: levels.some((l) => l.ready),
          problems: levels.flatMap((l) =>
            l.devices
              .filter((d) => d.error !== undefined)
              .map((d) => `level ${l.level}: ${d.device}: ${d.error}`),
          ),
        };
      }),
    );
  } finally {
    closeFenceContext(fence);
  }
}
