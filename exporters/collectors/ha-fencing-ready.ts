import { fencingReadiness, MONITOR_MS } from '../../fencers/readiness.js';
import type { CollectContext, Collector } from '../collector.js';
import { gaugeFamily, registerGauge } from '../metric-family.js';
import { fenceContextOf } from './fence-context.js';

/*
 * Is every host fenceable right now? Each fencing level's devices come from
 * the fencers' device factory, exactly as `havoc fence` and fence_havoc build
 * them, and each answers its own monitor read (IPMI chassis status,
 * Redfish/CIMC power state, the switch ports' admin state with the write
 * credentials, virsh domstate), under the scrape deadline. A host is ready
 * when at least one level answers completely, as fence_havoc's monitor says.
 */

export const FENCING_READY_METRICS = {
  ready: gaugeFamily(
    'havoc_fencing_ready',
    '1 when at least one fencing level of the host has every device answering; 0 when none (or no level is configured).',
    ['host'],
  ),
  levelReady: gaugeFamily(
    'havoc_fencing_level_ready',
    '1 when every device of this fencing level (1-based) answered its monitor read.',
    ['host', 'level'],
  ),
} as const;

const DEVICE_MS = MONITOR_MS;

export const fencingReadyCollector: Collector = {
  name: 'fencing-ready',
  module: 'cluster',
  metrics: Object.values(FENCING_READY_METRICS),
  appliesTo(target, ctx) {
    return target === ctx.loaded.inventory.cluster.name;
  },
  async collect(_target, registry, ctx: CollectContext) {
    const hosts = ctx.loaded.inventory.hosts;
    const fence = fenceContextOf(ctx, DEVICE_MS);
    const results = await Promise.all(hosts.map((host) => fencingReadiness(host, fence, ctx.signal)));
    const ready = registerGauge(registry, FENCING_READY_METRICS.ready);
    const levelReady = registerGauge(registry, FENCING_READY_METRICS.levelReady);
    hosts.forEach((host, h) => {
      const levels = results[h] ?? [];
      for (const l of levels) {
        levelReady.set({ host: host.name, level: String(l.level) }, l.ready ? 1 : 0);
        const problems = l.devices.filter((d) => d.error !== undefined);
        if (problems.length > 0)
          ctx.log.warn({ host: host.name, level: l.level, problems }, 'fencing level not ready');
      }
      ready.set({ host: host.name }, levels.some((l) => l.ready) ? 1 : 0);
    });
  },
};
