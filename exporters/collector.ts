import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { LoadedInventory } from '../inventory/load.js';
import type { MetricFamily } from './metric-family.js';

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
 *
 * Metric catalogue: every family a collector can emit is declared in
 * `metrics` (gaugeFamily/counterFamily from ./metric-family.ts), and the
 * collector registers its metrics FROM those declarations
 * (registerGauge(registry, FAMILY)), never with a literal name of its own.
 * `havoc exporter catalogue` renders docs/metrics.md from the declarations of
 * every collector listed in exporters/collectors/index.ts; a unit test fails
 * when docs/metrics.md is out of date, when a listed collector declares
 * nothing, or when a name breaks Prometheus' naming rules (havoc_ prefix, base
 * units, _total on counters and only there).
 *
 * A collector that throws (or outlives the deadline) makes the probe report
 * havoc_up{module} 0 and havoc_scrape_error{module,collector,reason} 1, where
 * reason is the HavocError code (timeout, auth, unreachable, ...); what it
 * registered before throwing is still served, and the other collectors of the
 * probe are unaffected.
 */
export interface Collector {
  name: string;
  module: ProbeModule;
  /** Whether this collector has anything to say about the target (e.g. DRBD only where configured). */
  appliesTo(target: string, ctx: CollectContext): boolean;
  collect(target: string, registry: Registry, ctx: CollectContext): Promise<void>;
  /** Every metric family collect() may register; the catalogue (docs/metrics.md) is built from these. */
  metrics?: readonly MetricFamily[];
}
