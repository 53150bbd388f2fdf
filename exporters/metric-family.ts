import { Counter, Gauge, type Registry } from 'prom-client';

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
