import { Counter, Gauge, Registry } from 'prom-client';

/*
 * A metric family as the catalogue sees it: declared once, next to the
 * collector that emits it, and registered from that declaration on every
 * scrape. docs/metrics.md is generated from these declarations, so a name
 * can never drift between the code and the documentation.
 */

export type MetricType = 'gauge' | 'counter' | 'histogram';

export interface MetricFamily {
  name: string;
  type: MetricType;
  help: string;
  labels: readonly string[];
}

export function gaugeFamily(name: string, help: string, labels: readonly string[] = []): MetricFamily {
  return { name, type: 'gauge', help, labels };
}

export function counterFamily(name: string, help: string, labels: readonly string[] = []): MetricFamily {
  return { name, type: 'counter', help, labels };
}

export function histogramFamily(name: string, help: string, labels: readonly string[] = []): MetricFamily {
  return { name, type: 'histogram', help, labels };
}

function expectType(family: MetricFamily, type: MetricType): void {
  if (family.type !== type) {
    throw new Error(`metric ${family.name} is declared as a ${family.type}, not a ${type}`);
  }
}

/** A gauge in `registry` built from its declaration. */
export function registerGauge(registry: Registry, family: MetricFamily): Gauge<string> {
  expectType(family, 'gauge');
  return new Gauge({
    name: family.name,
    help: family.help,
    labelNames: [...family.labels],
    registers: [registry],
  });
}

/** A counter in `registry` built from its declaration (a scrape sets it to the device's own count). */
export function registerCounter(registry: Registry, family: MetricFamily): Counter<string> {
  expectType(family, 'counter');
  return new Counter({
    name: family.name,
    help: family.help,
    labelNames: [...family.labels],
    registers: [registry],
  });
}

export interface SampleSink {
  /** Adds one series; each label set must be added at most once per scrape. */
  add(labels: Record<string, string>, value: number): void;
}

// Prometheus text format escaping, as prom-client does it (backslash and newline; plus quotes in label values).
const escapeHelp = (s: string) => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
const escapeLabel = (s: string) =>
  /[\\\n"]/.test(s) ? s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"') : s;
const formatValue = (v: number) =>
  Number.isNaN(v)
    ? 'Nan'
    : v === Number.POSITIVE_INFINITY
      ? '+Inf'
      : v === Number.NEGATIVE_INFINITY
        ? '-Inf'
        : String(v);

interface SampleFamily {
  name: string;
  renderText(): string;
}

/**
 * A family filled by appending samples, for collectors that emit thousands of
 * series per scrape (a 192-port switch: ~3,700). prom-client's set() validates
 * and hashes every label set to find the series it updates, which a fresh
 * per-scrape registry never needs; here a sample is one array push. Its
 * exposition text is written directly (see ExpositionRegistry), the same text
 * prom-client writes (a test compares them), in about a third of the time.
 */
export function registerSamples(registry: Registry, family: MetricFamily): SampleSink {
  if (family.type === 'histogram')
    throw new Error(`metric ${family.name}: samples are for gauges and counters`);
  const values: { labels: Record<string, string>; value: number }[] = [];
  const metric = {
    name: family.name,
    help: family.help,
    type: family.type,
    aggregator: 'sum',
    get: () => ({ name: family.name, help: family.help, type: family.type, aggregator: 'sum', values }),
    reset: () => {
      values.length = 0;
    },
    renderText: () => {
      const lines = [
        `# HELP ${family.name} ${escapeHelp(family.help)}`,
        `# TYPE ${family.name} ${family.type}`,
      ];
      for (const { labels, value } of values) {
        let labelText = '';
        for (const key in labels) labelText += `${labelText ? ',' : ''}${key}="${escapeLabel(labels[key]!)}"`;
        lines.push(`${family.name}${labelText ? `{${labelText}}` : ''} ${formatValue(value)}`);
      }
      return lines.join('\n');
    },
  } satisfies SampleFamily & Record<string, unknown>;
  registry.registerMetric(metric as unknown as Parameters<Registry['registerMetric']>[0]);
  return { add: (labels, value) => values.push({ labels, value }) };
}

type RenderOne = (metric: unknown) => Promise<string>;

/**
 * A registry that lets sample families (registerSamples) write their own
 * exposition text. prom-client renders each metric in an internal method,
 * getMetricsAsString (stable through 15.x); a unit test compares this
 * registry's text with prom-client's own, so a change there is caught.
 */
export class ExpositionRegistry extends Registry {
  constructor() {
    super();
    const base = (Registry.prototype as unknown as { getMetricsAsString: RenderOne }).getMetricsAsString;
    (this as unknown as { getMetricsAsString: RenderOne }).getMetricsAsString = async (metric) => {
      const text = (metric as Partial<SampleFamily>).renderText;
      return typeof text === 'function' ? text() : base.call(this, metric);
    };
  }
}
