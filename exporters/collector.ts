import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { LoadedInventory } from '../inventory/load.js';

/** The four kinds of /probe target, each scraped by its own collectors. */
export type ProbeModule = 'host' | 'switch' | 'bmc' | 'cluster';

export interface CollectContext {
  loaded: LoadedInventory;
  log: Logger;
  /** Aborts at the scrape deadline (Prometheus' scrape timeout minus a margin). */
  signal: AbortSignal;
  /** Long-lived per-target state that must survive between scrapes (connections, lookup caches). */
  cache: Map<string, unknown>;
}

/**
 * One collector per file (node_exporter's shape): a name, the module and
 * targets it applies to, and collect(), which fills a fresh registry. A
 * collector never opens a socket itself: it calls protocols/.
 */
export interface Collector {
  name: string;
  module: ProbeModule;
  /** Whether this collector has anything to say about the target (e.g. DRBD only where configured). */
  appliesTo(target: string, ctx: CollectContext): boolean;
  collect(target: string, registry: Registry, ctx: CollectContext): Promise<void>;
}
