import { type Metric, Registry } from 'prom-client';
import { deadlineSignal, monotonicMs } from '../core/deadline.js';
import { errorMessage, HavocError } from '../core/errors.js';
import type { CollectContext, Collector, ProbeModule } from './collector.js';
import { ExpositionRegistry, gaugeFamily, registerGauge } from './metric-family.js';

/*
 * One /probe request: every collector of the module that applies to the
 * target runs in parallel, each into its own fresh registry, under one
 * deadline. A collector that fails or overruns costs only its own metrics;
 * the others' are served, and havoc_up / havoc_scrape_error say what failed.
 */

/** Families every probe emits besides its collectors' (in the catalogue under "probe"). */
export const PROBE_METRICS = {
  up: gaugeFamily(
    'havoc_up',
    '1 when every collector of the module answered for this target within the deadline, 0 when one failed (see havoc_scrape_error).',
    ['module'],
  ),
  error: gaugeFamily(
    'havoc_scrape_error',
    'Value 1 for each collector that failed this scrape; reason is the error code (timeout, auth, unreachable, secret, internal, ...).',
    ['module', 'collector', 'reason'],
  ),
  collectorDuration: gaugeFamily(
    'havoc_collector_duration_seconds',
    'Time one collector took in this scrape (up to the deadline when it overran).',
    ['module', 'collector'],
  ),
  probeDuration: gaugeFamily(
    'havoc_probe_duration_seconds',
    'Time the whole probe took, all collectors of the module in parallel.',
    ['module'],
  ),
} as const;

/** Prometheus' default scrape_timeout, used when the request carries no timeout header. */
export const DEFAULT_SCRAPE_TIMEOUT_SECONDS = 10;
/** Time kept back from Prometheus' timeout to build and send the answer. */
export const DEADLINE_MARGIN_SECONDS = 0.5;
const MIN_DEADLINE_SECONDS = 1;

/**
 * The probe's deadline in ms from X-Prometheus-Scrape-Timeout-Seconds: the
 * timeout minus a margin, at least 1 s. A missing or unreadable header means
 * Prometheus' default of 10 s.
 */
export function probeDeadlineMs(header: string | undefined): number {
  const parsed = header === undefined ? Number.NaN : Number(header.trim());
  const timeout = Number.isFinite(parsed) && parsed > 0 ? parsed : DEFAULT_SCRAPE_TIMEOUT_SECONDS;
  return Math.max(MIN_DEADLINE_SECONDS, timeout - DEADLINE_MARGIN_SECONDS) * 1000;
}

export interface CollectorOutcome {
  collector: string;
  ok: boolean;
  seconds: number;
  /** Set when !ok: a label-safe error code. */
  reason?: string;
  /** Set when !ok: the error, for the log and the exporter's own metrics. */
  message?: string;
  /** Families the collector registered without declaring them in `metrics` (the catalogue misses them). */
  undeclared?: string[];
}

export interface ProbeResult {
  registry: Registry;
  up: boolean;
  seconds: number;
  outcomes: CollectorOutcome[];
}

export interface ProbeRequest {
  target: string;
  module: ProbeModule;
  collectors: readonly Collector[];
  context: Omit<CollectContext, 'signal'>;
  deadlineMs: number;
  /** Aborts when the client goes away. */
  signal?: AbortSignal;
}

/** A label value from an error: the HavocError code, "timeout" past the deadline, else "internal". */
export function failureReason(err: unknown, signal: AbortSignal): string {
  const raw = err instanceof HavocError ? err.code : signal.aborted ? 'timeout' : 'internal';
  return raw.toLowerCase().replace(/[^a-z0-9]+/g, '_');
}

/** Settles with `work`, or rejects with the signal's reason as soon as it aborts (work runs on, ignored). */
async function withinDeadline<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  let onAbort = () => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([work, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

interface RunResult {
  outcome: CollectorOutcome;
  /** Undefined when the collector overran: it may still be writing into its registry. */
  registry: Registry | undefined;
}

async function runCollector(collector: Collector, target: string, ctx: CollectContext): Promise<RunResult> {
  const registry = new Registry();
  const started = monotonicMs();
  const seconds = () => (monotonicMs() - started) / 1000;
  try {
    await withinDeadline(
      Promise.resolve().then(() => collector.collect(target, registry, ctx)),
      ctx.signal,
    );
    return { outcome: { collector: collector.name, ok: true, seconds: seconds() }, registry };
  } catch (err) {
    const reason = failureReason(err, ctx.signal);
    const message = errorMessage(err);
    ctx.log.warn({ target, collector: collector.name, reason, error: message }, 'collector failed');
    return {
      outcome: { collector: collector.name, ok: false, seconds: seconds(), reason, message },
      registry: ctx.signal.aborted ? undefined : registry,
    };
  }
}

export async function runProbe(req: ProbeRequest): Promise<ProbeResult> {
  const started = monotonicMs();
  const signal = deadlineSignal(req.deadlineMs, `${req.module} probe of ${req.target}`, req.signal);
  const ctx: CollectContext = { ...req.context, signal };
  const applicable = req.collectors.filter((c) => {
    if (c.module !== req.module) return false;
    try {
      return c.appliesTo(req.target, ctx);
    } catch (err) {
      ctx.log.warn({ collector: c.name, error: errorMessage(err) }, 'appliesTo failed; collector skipped');
      return false;
    }
  });
  const runs = await Promise.all(applicable.map((c) => runCollector(c, req.target, ctx)));

  const registry = new ExpositionRegistry();
  for (const run of runs) {
    if (!run.registry) continue;
    const declared = req.collectors.find((c) => c.name === run.outcome.collector)?.metrics;
    if (declared) {
      const names = new Set(declared.map((f) => f.name));
      const undeclared = run.registry
        .getMetricsAsArray()
        .map((m) => m.name)
        .filter((n) => !names.has(n));
      if (undeclared.length > 0) {
        run.outcome.undeclared = undeclared;
        ctx.log.warn({ collector: run.outcome.collector, undeclared }, 'metrics missing from the catalogue');
      }
    }
    const duplicate = run.registry
      .getMetricsAsArray()
      .find((m) => registry.getSingleMetric(m.name) !== undefined);
    if (duplicate) {
      // Two collectors claiming one family is a bug; serve the first, blame the second.
      Object.assign(run.outcome, {
        ok: false,
        reason: 'duplicate_metric',
        message: `${duplicate.name} is already emitted by another collector of module ${req.module}`,
      });
      continue;
    }
    // getMetricsAsArray() hands out the metric instances themselves (what Registry.merge uses).
    for (const metric of run.registry.getMetricsAsArray())
      registry.registerMetric(metric as unknown as Metric);
  }

  const outcomes = runs.map((r) => r.outcome);
  const up = outcomes.every((o) => o.ok);
  const seconds = (monotonicMs() - started) / 1000;
  const module = { module: req.module };
  registerGauge(registry, PROBE_METRICS.up).set(module, up ? 1 : 0);
  const errors = registerGauge(registry, PROBE_METRICS.error);
  const durations = registerGauge(registry, PROBE_METRICS.collectorDuration);
  for (const o of outcomes) {
    durations.set({ ...module, collector: o.collector }, o.seconds);
    if (!o.ok) errors.set({ ...module, collector: o.collector, reason: o.reason ?? 'internal' }, 1);
  }
  registerGauge(registry, PROBE_METRICS.probeDuration).set(module, seconds);
  return { registry, up, seconds, outcomes };
}
