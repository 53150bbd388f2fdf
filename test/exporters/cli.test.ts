import { describe, expect, it } from 'vitest';
import { havoc } from '../cli/run.js';
import { inventory, load } from '../inventory/build.js';

const loaded = load(inventory());

describe('havoc exporter serve: bad input is a clear error before anything listens', () => {
  it('rejects a --listen without a host', async () => {
    const r = await havoc(['-i', loaded.file, 'exporter', 'serve', '--listen', ':9643']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--listen ":9643" is not HOST:PORT');
    expect(r.stderr).toContain('0.0.0.0:9643');
  });

  it('names a missing web config file', async () => {
    const r = await havoc(['-i', loaded.file, 'exporter', 'serve', '--web-config', '/nonexistent/web.yml']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('cannot read web config /nonexistent/web.yml: no such file');
  });

  it('without an inventory or a lab, says how to get one', async () => {
    const r = await havoc(['exporter', 'serve']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('havoc lab up');
  });
});
