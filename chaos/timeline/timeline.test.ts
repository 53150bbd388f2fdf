import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTimeline, readTimeline } from './index.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'havoc-timeline-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const lines = (path: string) => readFileSync(path, 'utf8').split('\n').filter(Boolean);

describe('timeline', () => {
  it('stamps every record with monotonic ns as a decimal string (no precision lost) and wall time', () => {
    const path = join(dir, 'run.jsonl');
    const t = openTimeline(path);
    const before = process.hrtime.bigint();
    t.append({ kind: 'run', run: 'r1', phase: 'start' });
    // 2^63-1: far past what a JSON number holds exactly.
    t.append({
      kind: 'probe',
      probe: 'vm1-http',
      sentNs: '9223372036854775807',
      ok: true,
      fields: { bootId: 'b' },
    });
    t.close();
    const { records, tornLine } = readTimeline(path);
    expect(tornLine).toBeUndefined();
    expect(records.map((r) => r.kind)).toEqual(['run', 'probe']);
    expect(BigInt(records[0]!.ns) >= before).toBe(true);
    expect(Number.isNaN(Date.parse(records[0]!.wall))).toBe(false);
    expect(records[1]).toMatchObject({ sentNs: '9223372036854775807', fields: { bootId: 'b' } });
  });

  it('writes a state change through at once and holds unchanged probe samples at most until the next flush', async () => {
    const path = join(dir, 'run.jsonl');
    const t = openTimeline(path);
    t.append({ kind: 'probe', probe: 'p', sentNs: '1', ok: true });
    expect(lines(path)).toHaveLength(1); // first sample of a probe is a change
    t.append({ kind: 'probe', probe: 'p', sentNs: '2', ok: true });
    expect(lines(path)).toHaveLength(1); // unchanged: buffered
    t.append({ kind: 'probe', probe: 'p', sentNs: '3', ok: false, error: 'timeout' });
    expect(lines(path).map((l) => JSON.parse(l).sentNs)).toEqual(['1', '2', '3']); // in order, change included
    t.append({ kind: 'probe', probe: 'p', sentNs: '4', ok: false, error: 'timeout' });
    await expect.poll(() => lines(path).length, { timeout: 5_000 }).toBe(4); // the 100 ms flush
    t.append({ kind: 'ledger', fault: 'f1', name: 'network-partition', state: 'intended', targets: ['h1'] });
    expect(lines(path)).toHaveLength(5); // ledger changes are always written through
    t.close();
    t.close(); // idempotent
  });

  it('rejects an invalid record at append time', () => {
    const t = openTimeline(join(dir, 'run.jsonl'));
    expect(() => t.append({ kind: 'probe', probe: 'p', sentNs: '1.5', ok: true })).toThrow(/monotonic/);
    t.close();
  });

  it('tolerates a torn last line and reports its line number', () => {
    const path = join(dir, 'run.jsonl');
    const t = openTimeline(path);
    t.append({ kind: 'run', run: 'r1', phase: 'start' });
    t.close();
    appendFileSync(path, '{"v":1,"ns":"12","wall":"2026-');
    const { records, tornLine } = readTimeline(path);
    expect(records).toHaveLength(1);
    expect(tornLine).toBe(2);
  });

  it('reports a corrupt line with file:line, even when later lines are fine', () => {
    const path = join(dir, 'run.jsonl');
    const t = openTimeline(path);
    t.append({ kind: 'run', run: 'r1', phase: 'start' });
    t.close();
    appendFileSync(path, '{"v":1,"kind":"probe","probe":"p"}\n');
    const t2 = openTimeline(path);
    t2.append({ kind: 'run', run: 'r1', phase: 'end' });
    t2.close();
    expect(() => readTimeline(path)).toThrow(`${path}:2: `);
  });

  it('reports garbage that is not JSON with file:line', () => {
    const path = join(dir, 'run.jsonl');
    writeFileSync(path, 'hello\n');
    expect(() => readTimeline(path)).toThrow(new RegExp(`${path}:1: not JSON`));
  });

  it('refuses to reuse an existing file when exclusive', () => {
    const path = join(dir, 'run.jsonl');
    openTimeline(path).close();
    expect(() => openTimeline(path, { exclusive: true })).toThrow(/cannot open/);
  });
});
