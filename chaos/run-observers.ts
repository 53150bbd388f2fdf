import type { ListenAddress } from '../core/listen-address.js';
import type { VmConfig } from '../inventory/schema.js';
import { type ProbeChange, ProbeStates } from './probes/probe-state.js';
import { type RunProbes, startRunProbes } from './probes/run-probes.js';
import type { RunSession } from './session.js';
import type { TimelineRecord } from './timeline/schema.js';
import { type RunningWatcher, startWatchers } from './watchers/index.js';

type WatchRecord = Extract<TimelineRecord, { kind: 'watch' }>;

export interface RunObservers {
  /** Live state of every probe, from the same samples the timeline gets. */
  probes: ProbeStates;
  /** Fence history entries the watchers wrote during the run. */
  fences: WatchRecord[];
  /** Resolves once every watcher that must be known before the first step has written its reachability (the alert receiver). */
  ready: Promise<void>;
  /** Stops the probes (their last samples written) and the watchers. */
  stop(): Promise<void>;
}

/**
 * What watches a run from outside for its whole length: one prober process
 * for the VMs' service probes and the watchers of the inventory's HA
 * manager, all writing to the run's timeline. `havoc chaos inject --probe`
 * and suite runs both start them here.
 */
export function startRunObservers(
  session: RunSession,
  vms: readonly VmConfig[],
  o: {
    onProbeChange?: (c: ProbeChange) => void;
    /** Node, fence and alert records as the watchers write them. */
    onWatch?: (r: WatchRecord) => void;
    intervalMs?: number;
    /** The run's Alertmanager webhook receiver listens here. */
    alertWebhook?: ListenAddress | undefined;
  } = {},
): RunObservers {
  const timeline = session.timeline();
  const probes = new ProbeStates(o.onProbeChange);
  const fences: WatchRecord[] = [];
  session.onRecord((r) => {
    if (r.kind !== 'watch') return;
    if (r.event === 'fence') fences.push(r);
    if (r.event === 'fence' || r.event === 'node' || r.event === 'alert') o.onWatch?.(r);
  });
  const targets = vms.filter((v) => v.probe).map((v) => ({ name: v.name, config: v.probe! }));
  const prober: RunProbes | undefined = targets.length
    ? startRunProbes(targets, timeline, {
        also: probes.sink,
        ...(o.intervalMs === undefined ? {} : { intervalMs: o.intervalMs }),
      })
    : undefined;
  let watchers: RunningWatcher | undefined;
  try {
    watchers = session.loaded.inventory.haManager
      ? startWatchers({
          inventory: session.loaded.inventory,
          loaded: session.loaded,
          ssh: session.contexts.ssh,
          log: session.log,
          timeline,
          alertWebhook: o.alertWebhook,
        })
      : undefined;
  } catch (err) {
    void prober?.stop();
    throw err;
  }
  return {
    probes,
    fences,
    ready: watchers?.ready ?? Promise.resolve(),
    async stop() {
      const results = await Promise.allSettled([prober?.stop(), watchers?.stop()]);
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    },
  };
}
