import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { catalogueProblems, namingProblems, renderCatalogue } from '../../exporters/catalogue.js';
import { COLLECTORS } from '../../exporters/collectors/index.js';
import { counterFamily, gaugeFamily } from '../../exporters/metric-family.js';
import { havoc } from '../cli/run.js';

const DOC = new URL('../../docs/metrics.md', import.meta.url);

describe('metric catalogue', () => {
  it('docs/metrics.md is what the code declares (regenerate: havoc exporter catalogue > docs/metrics.md)', () => {
    expect(readFileSync(DOC, 'utf8')).toBe(renderCatalogue(COLLECTORS));
  });

  it('`havoc exporter catalogue` prints it', async () => {
    const r = await havoc(['exporter', 'catalogue']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(readFileSync(DOC, 'utf8'));
  });

  it('every listed collector declares its metrics, no name twice, every name follows Prometheus naming', () => {
    expect(catalogueProblems(COLLECTORS)).toEqual([]);
    const names = COLLECTORS.flatMap((c) => c.metrics ?? []).map((f) => f.name);
    expect(names).toContain('havoc_switch_port_oper_state');
    expect(names).toContain('havoc_bmc_power_state');
  });

  it('the naming check catches what Prometheus forbids', () => {
    expect(namingProblems(counterFamily('havoc_bmc_errors', 'x'))).toEqual([
      'havoc_bmc_errors: a counter must end in _total',
    ]);
    expect(namingProblems(gaugeFamily('havoc_bmc_sessions_total', 'x'))).toEqual([
      'havoc_bmc_sessions_total: only counters end in _total',
    ]);
    expect(namingProblems(gaugeFamily('havoc_bmc_response_milliseconds', 'x'))[0]).toMatch(/not a base unit/);
    expect(namingProblems(gaugeFamily('bmc_up', 'x'))[0]).toMatch(/havoc_ prefix/);
    expect(namingProblems(gaugeFamily('havoc_BmcUp', 'x'))[0]).toMatch(/snake_case/);
    expect(namingProblems(gaugeFamily('havoc_node_up', 'x', ['instance']))[0]).toMatch(/reserved/);
    expect(namingProblems(gaugeFamily('havoc_node_up', '')).at(-1)).toMatch(/no help/);
  });

  it('a listed collector without declarations is a problem', () => {
    const bare = { ...COLLECTORS[0]!, name: 'bare', metrics: undefined };
    expect(catalogueProblems([bare])).toContain(
      'Module `switch`, collector `bare`: declares no metrics (add a metrics array)',
    );
  });
});
