import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../test/support/temp-dir.js';
import { HavocError } from './errors.js';
import { readInputFile } from './read-input-file.js';

describe('readInputFile', () => {
  it('reads the file as UTF-8', () => {
    const file = join(tempDir('read-input-'), 'w.yaml');
    writeFileSync(file, 'waivers: []\n');
    expect(readInputFile(file, { code: 'waivers', what: 'waivers file' })).toBe('waivers: []\n');
  });

  it('a missing file and a folder are errors of the given code naming the file, with the hint', () => {
    const dir = tempDir('read-input-');
    const missing = join(dir, 'nope.yaml');
    const attempt = (file: string) => {
      try {
        readInputFile(file, { code: 'suite', what: 'suite', hint: 'give a suite file' });
      } catch (err) {
        return err as HavocError;
      }
      throw new Error('no error');
    };
    const e1 = attempt(missing);
    expect(e1).toBeInstanceOf(HavocError);
    expect([e1.code, e1.message, e1.hint]).toEqual([
      'suite',
      `cannot read suite ${missing}: no such file`,
      'give a suite file',
    ]);
    expect(attempt(dir).message).toBe(`cannot read suite ${dir}: EISDIR`);
  });
});
