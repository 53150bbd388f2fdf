import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/*
 * The one way tests make temporary directories. vitest runs
 * test/support/temp-root.ts before every test file: it makes one root under
 * the OS temp dir and removes it, with everything in it, after the file's last
 * test. tempDir() makes a fresh directory inside that root, so a test, a hook
 * or a support helper can ask for one at any time and nothing outlives the
 * file, even when a test fails halfway or a helper forgets its cleanup.
 */

const ROOT_ENV = 'HAVOC_TEST_TEMP_ROOT';

/** For test/support/temp-root.ts: the file's root and how to remove it. */
export function openTempRoot(): { root: string; remove(): void } {
  const root = mkdtempSync(join(tmpdir(), 'havoc-test-'));
  process.env[ROOT_ENV] = root;
  return {
    root,
    remove() {
      if (process.env[ROOT_ENV] === root) delete process.env[ROOT_ENV];
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** A new, empty directory (prefix + random suffix) removed after the current test file. */
export function tempDir(prefix: string): string {
  const root = process.env[ROOT_ENV];
  if (!root) {
    throw new Error(
      'tempDir() works only in a vitest run: test/support/temp-root.ts (setupFiles) makes its root',
    );
  }
  return mkdtempSync(join(root, prefix));
}
