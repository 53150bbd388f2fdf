import type { Logger } from 'pino';
import { HavocError } from '../../core/errors.js';
import type { LoadedInventory } from '../../inventory/load.js';
import type { Inventory } from '../../inventory/schema.js';
import type { SshPool } from '../../protocols/ssh/index.js';
import type { Timeline } from '../timeline/index.js';
import { libvirtWatcher } from './libvirt.js';
import { pacemakerWatcher } from './pacemaker.js';
import { xapiWatcher } from './xapi.js';

/** What a watcher needs: the cluster as the inventory describes it, the way to reach it, where to write. */
export interface WatcherContext {
  inventory: Inventory;
  /** The inventory with its secrets (the XAPI password), as FaultContext carries it. */
  loaded: LoadedInventory;
  /** SSH to the hosts, shared with the run's faults (one pooled connection per host). */
  ssh: SshPool;
  log: Logger;
  timeline: Timeline;
}

export interface RunningWatcher {
  readonly name: string;
  /**
   * Stops watching and waits for the last read to end. Rejects when the
   * watcher failed in a way that is a bug (a record its own vocabulary
   * refuses), so a run never ends believing a silent watcher.
   */
  stop(): Promise<void>;
}

/** One watcher: a file in chaos/watchers/, listed once in WATCHERS_BY_HA_MANAGER. Its module imports only types from here. */
export interface Watcher {
  readonly name: string;
  start(ctx: WatcherContext): RunningWatcher;
}

export type HaManagerType = NonNullable<Inventory['haManager']>['type'];

/** Every watcher started together behaves as one: stop() stops them all, and rejects with the first failure. */
export function allOf(name: string, running: readonly RunningWatcher[]): RunningWatcher {
  return {
    name,
    async stop() {
      const results = await Promise.allSettled(running.map((w) => w.stop()));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    },
  };
}

/** The inventory's HA manager type, or a clear error when there is none to watch. */
export function haManagerOf(inv: Inventory): HaManagerType {
  const type = inv.haManager?.type;
  if (!type) {
    throw new HavocError('config', 'the inventory has no haManager, so there is nothing to watch', {
      hint: 'add haManager: {type: pacemaker | libvirt | xapi} to the inventory',
    });
  }
  return type;
}

/**
 * The watchers of each HA manager. Pacemaker clusters (the lab's and havoc's
 * users') run their VMs under libvirt (VirtualDomain), so both watch.
 */
export const WATCHERS_BY_HA_MANAGER: Record<HaManagerType, readonly Watcher[]> = {
  pacemaker: [pacemakerWatcher, libvirtWatcher],
  libvirt: [libvirtWatcher],
  xapi: [xapiWatcher],
};

/** Starts every watcher the inventory's haManager calls for, writing to ctx.timeline. */
export function startWatchers(ctx: WatcherContext): RunningWatcher {
  const kinds = WATCHERS_BY_HA_MANAGER[haManagerOf(ctx.inventory)];
  return allOf(
    kinds.map((k) => k.name).join('+'),
    kinds.map((k) => k.start(ctx)),
  );
}
