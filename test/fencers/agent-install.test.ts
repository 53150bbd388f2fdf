import { spawnSync } from 'node:child_process';
import { cpSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fenceHavocProgram } from '../../fencers/agent-install.js';
import { tempDir } from '../support/temp-dir.js';

describe('the fence_havoc bundle (dist/fence_havoc/) copied away from node_modules, as the lab copies it into each host', () => {
  const run = (dir: string, args: string[], stdin: string, env: Record<string, string> = {}) =>
    spawnSync(process.execPath, [join(dir, 'fence_havoc.mjs'), ...args], {
      input: stdin,
      encoding: 'utf8',
      timeout: 30_000,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
    });

  it('prints its metadata and loads the YAML and schema packages it holds (an invalid inventory is reported, not a missing package)', () => {
    const program = fenceHavocProgram();
    expect(program.endsWith(join('dist', 'fence_havoc', 'fence_havoc.mjs'))).toBe(true);
    const copy = join(tempDir('bundle-copy'), 'fence_havoc');
    cpSync(dirname(program), copy, { recursive: true });

    const meta = run(copy, ['-o', 'metadata'], '');
    expect(meta.status).toBe(0);
    expect(meta.stdout).toContain('<resource-agent name="fence_havoc"');

    const inventory = join(dirname(copy), 'inventory.yaml');
    writeFileSync(inventory, 'hosts:\n  - name: host1\n    adress: 198.18.0.1\n');
    const bad = run(copy, [], 'action=status\nplug=host1\n', { HAVOC_INVENTORY: inventory });
    expect(bad.status).not.toBe(0);
    const said = `${bad.stdout}${bad.stderr}`;
    expect(said).not.toMatch(/Dynamic require|Cannot find (package|module)|ERR_MODULE_NOT_FOUND/);
    expect(said).toContain(inventory);
  });
});
