import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fenceHavocProgram, unreadableByOthers } from '../../fencers/agent-install.js';
import { tempDir } from '../support/temp-dir.js';

describe('unreadableByOthers (can pacemaker-controld, as hacluster, read fence_havoc?)', () => {
  it('names the first folder closed to other users, then the file, and nothing once both are open', () => {
    const dir = tempDir('agent-install');
    const sub = join(dir, 'dist');
    const program = join(sub, 'fence_havoc.mjs');
    // The test root is made 0700 (as mkdtemp and `mktemp -d` make a CI clone's folder).
    chmodSync(dir, 0o755);
    chmodSync(dirname(dir), 0o700);
    mkdirSync(sub, { mode: 0o755 });
    chmodSync(sub, 0o755);
    writeFileSync(program, '// bundle\n', { mode: 0o600 });
    expect(unreadableByOthers(program)).toBe(`${program} is not readable by other users`);
    chmodSync(program, 0o644);
    expect(unreadableByOthers(program)).toBe(`${dirname(dir)} (mode 700) is closed to other users`);
    chmodSync(dirname(dir), 0o755);
    expect(unreadableByOthers(program)).toBeUndefined();
    chmodSync(sub, 0o750);
    expect(unreadableByOthers(program)).toBe(`${sub} (mode 750) is closed to other users`);
    chmodSync(dirname(dir), 0o700);
  });
});

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
