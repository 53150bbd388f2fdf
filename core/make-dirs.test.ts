import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../test/support/temp-dir.js';
import { HavocError } from './errors.js';
import { makeDirs } from './make-dirs.js';

describe('makeDirs', () => {
  it('makes the missing parents and returns the first folder it made, undefined when all existed', () => {
    const root = tempDir('make-dirs-');
    const deep = join(root, 'a', 'b', 'c');
    expect(makeDirs(deep, 'the report folder', 0o700)).toBe(join(root, 'a'));
    expect(statSync(deep).isDirectory()).toBe(true);
    expect(statSync(deep).mode & 0o777).toBe(0o700);
    expect(makeDirs(deep, 'the report folder')).toBeUndefined();
  });

  it("refuses a folder under /proc with an error naming it, where Node's recursive mkdir never returns", () => {
    let err: unknown;
    try {
      makeDirs('/proc/havoc-make-dirs/x', 'the alerts folder');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(HavocError);
    expect((err as HavocError).message).toBe(
      'the alerts folder: cannot create /proc/havoc-make-dirs (ENOENT)',
    );
    expect((err as HavocError).hint).toContain('not /proc or /sys');
  });

  it('refuses a path whose parent is a file', () => {
    const root = tempDir('make-dirs-');
    writeFileSync(join(root, 'f'), '');
    expect(() => makeDirs(join(root, 'f', 'x'), 'the ledger folder')).toThrow(
      `the ledger folder: ${join(root, 'f')} is not a folder`,
    );
  });
});
