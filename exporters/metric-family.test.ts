import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import {
  counterFamily,
  ExpositionRegistry,
  gaugeFamily,
  registerGauge,
  registerSamples,
} from './metric-family.js';

function fill(registry: Registry): void {
  const info = registerSamples(
    registry,
    gaugeFamily('havoc_test_info', 'Names with "quotes", a \\ and\na newline.', ['ifindex', 'alias']),
  );
  info.add({ ifindex: '1', alias: 'host2 "storage"' }, 1);
  info.add({ ifindex: '2', alias: 'back\\slash\nnewline' }, 1);
  const bytes = registerSamples(registry, counterFamily('havoc_test_bytes_total', 'Bytes.', ['ifindex']));
  bytes.add({ ifindex: '1' }, 123456789012);
  bytes.add({ ifindex: '2' }, 0);
  const odd = registerSamples(registry, gaugeFamily('havoc_test_odd', 'Odd values.', ['k']));
  odd.add({ k: 'nan' }, Number.NaN);
  odd.add({ k: 'inf' }, Number.POSITIVE_INFINITY);
  odd.add({ k: 'frac' }, 0.25);
  registerSamples(registry, gaugeFamily('havoc_test_empty', 'No series.', ['k']));
  registerGauge(registry, gaugeFamily('havoc_test_plain', 'A prom-client gauge beside them.')).set(7);
}

describe('sample families', () => {
  it('ExpositionRegistry writes exactly the text prom-client writes for the same samples', async () => {
    const ours = new ExpositionRegistry();
    const theirs = new Registry();
    fill(ours);
    fill(theirs);
    const text = await ours.metrics();
    expect(text).toBe(await theirs.metrics());
    expect(text).toContain('havoc_test_info{ifindex="1",alias="host2 \\"storage\\""} 1');
    expect(text).toContain('havoc_test_bytes_total{ifindex="1"} 123456789012');
    expect(text).toContain('havoc_test_plain 7');
  });
});
