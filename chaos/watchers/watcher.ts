import type { Logger } from 'pino';
import type { ListenAddress } from '../../core/listen-address.js';
import type { LoadedInventory } from '../../inventory/load.js';
import type { Inventory } from '../../inventory/schema.js';
import type { SshPool } from '../../protocols/ssh/index.js';
import type { Timeline } from '../timeline/index.js';

/** What a watcher needs: the cluster as the inventory describes it, the way to reach it, where to write. */
export interface WatcherContext {
  inventory: Inventory;
  /** The inventory with its secrets (the XAPI password), as FaultContext carries it. */
  loaded: LoadedInventory;
  /** SSH to the hosts, shared with the run's faults (one pooled connection per host). */
  ssh: SshPool;
  log: Logger;
  timeline: Timeline;
  /** Where the run's Alertmanager webhook receiver listens (`--alert-webhook`); none: no alertmanager watcher. */
  alertWebhook?: ListenAddress | undefined;
}

export interface RunningWatcher {
  readonly name: string;
  /** Resolves once the watcher's first reachability is on the timeline, for watchers that must be known before the first step. */
  readonly ready?: Promise<void>;
  /**
   * Stops watching and waits for the last read to end. Rejects when the
   * watcher failed in a way that is a bug (a record its own vocabulary
   * refuses), so a run never ends believing a silent watcher.
   */
  stop(): Promise<void>;
}

/** One watcher: a file in chaos/watchers/, listed once in WATCHERS_BY_HA_MANAGER (start-watchers.ts). Its module imports only types from here. */
export interface Watcher {
  readonly name: string;
  start(ctx: WatcherContext): RunningWatcher;
}

export type HaManagerType = NonNullable<Inventory['haManager']>['type'];
