import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import type { ProbeModule } from './collector.js';
import { counterFamily, histogramFamily, type MetricFamily } from './metric-family.js';
import type { ProbeResult } from './probe.js';

/*
 * The exporter's own health, served on /metrics only (exporter-lifetime
 * statistics do not belong in a target's /probe answer): probe durations per
 * module, failures per target, collector and reason, and the process
 * metrics of prom-client's default collectors. One registry per server, so
 * two exporters in one process (tests) never share counters.
 */

export const SELF_METRICS = {
  probeDuration: histogramFamily(
    'havoc_exporter_probe_duration_seconds',
    'Time /probe requests took, per module.',
    ['module'],
  ),
  collectorFailures: counterFamily(
    'havoc_exporter_collector_failures_total',
    'Collector runs that failed, per target, module, collector and reason (the error code).',
    ['module', 'target', 'collector', 'reason'],
  ),
  requests: counterFamily(
    'havoc_exporter_http_requests_total',
    'HTTP requests answered, per path and status code.',
    ['path', 'code'],
  ),
} as const satisfies Record<string, MetricFamily>;

const KNOWN_PATHS = new Set(['/', '/metrics', '/probe', '/sd']);

export class SelfMetrics {
  readonly registry = new Registry();
  readonly #probeDuration: Histogram<string>;
  readonly #failures: Counter<string>;
  readonly #requests: Counter<string>;

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    const m = SELF_METRICS;
    this.#probeDuration = new Histogram({
      name: m.probeDuration.name,
      help: m.probeDuration.help,
      labelNames: [...m.probeDuration.labels],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [this.registry],
    });
    this.#failures = new Counter({
      name: m.collectorFailures.name,
      help: m.collectorFailures.help,
      labelNames: [...m.collectorFailures.labels],
      registers: [this.registry],
    });
    this.#requests = new Counter({
      name: m.requests.name,
      help: m.requests.help,
      labelNames: [...m.requests.labels],
      registers: [this.registry],
    });
  }

  probed(module: ProbeModule, target: string, result: ProbeResult): void {
    this.#probeDuration.observe({ module }, result.seconds);
    for (const o of result.outcomes) {
      if (!o.ok)
        this.#failures.inc({ module, target, collector: o.collector, reason: o.reason ?? 'internal' });
    }
  }

  /** Unknown paths share one label value, so a scanner cannot grow the series without bound. */
  answered(path: string, code: number): void {
    this.#requests.inc({ path: KNOWN_PATHS.has(path) ? path : 'other', code: String(code) });
  }
}
