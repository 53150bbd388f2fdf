import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { z } from 'zod';
import { jsonlLines, readJsonl } from './read-lines.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'havoc-jsonl-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it('numbers lines across read chunks and marks only an unterminated last line', () => {
  const path = join(dir, 'f.jsonl');
  const long = 'x'.repeat(100_000); // longer than one 64 KiB chunk
  writeFileSync(path, `a\n${long}\n€uro\nlast`);
  const got = [...jsonlLines(path)];
  expect(got.map((l) => [l.line, l.text.length, l.terminated])).toEqual([
    [1, 1, true],
    [2, 100_000, true],
    [3, 4, true],
    [4, 4, false],
  ]);
  expect(got[2]!.text).toBe('€uro');
});

it('separates records, a torn tail and corrupt lines', () => {
  const path = join(dir, 'f.jsonl');
  writeFileSync(path, '{"n":1}\n{"n":"two"}\n\n{"n":3}\n{"n":');
  const r = readJsonl(path, z.strictObject({ n: z.number() }));
  expect(r.records.map((x) => [x.line, x.value.n])).toEqual([
    [1, 1],
    [4, 3],
  ]);
  expect(r.torn).toEqual({ line: 5, text: '{"n":' });
  expect(r.corrupt.map((c) => c.line)).toEqual([2, 3]);
  expect(r.corrupt[0]!.message).toMatch(/^n: /);
});

it('takes an unterminated last line that is a whole record as a record', () => {
  const path = join(dir, 'f.jsonl');
  writeFileSync(path, '{"n":1}');
  const r = readJsonl(path, z.strictObject({ n: z.number() }));
  expect(r.records).toHaveLength(1);
  expect(r.torn).toBeUndefined();
});
