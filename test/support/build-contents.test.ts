import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/*
 * dist/ is what `npm run build` ships and what the lab and fence_havoc run:
 * test-only code (test servers, the VM testbed, vitest) has no place in it.
 * The file list is the one tsc itself computes from tsconfig.build.json.
 */

const REPO = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');

function buildFiles(): string[] {
  const config = ts.getParsedCommandLineOfConfigFile(
    resolve(REPO, 'tsconfig.build.json'),
    {},
    { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => expect.fail(String(d.messageText)) },
  );
  return (config?.fileNames ?? []).map((f) => relative(REPO, f));
}

describe('tsconfig.build.json builds no test-only code into dist/', () => {
  it('compiles no test file and nothing under test/', () => {
    const files = buildFiles();
    expect(files.length).toBeGreaterThan(50);
    expect(files.filter((f) => f.startsWith('test/') || /\.test\.ts$/.test(f))).toEqual([]);
  });

  it('no built file imports vitest or anything under test/', () => {
    const offending = buildFiles().filter((f) =>
      /from '(vitest|(\.\.\/)+test\/[^']*)'/.test(readFileSync(resolve(REPO, f), 'utf8')),
    );
    expect(offending).toEqual([]);
  });
});
