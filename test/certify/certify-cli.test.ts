import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { havoc } from '../cli/run.js';
import { tempDir } from '../support/temp-dir.js';

/*
 * What `havoc certify` refuses before it touches anything (no SSH, no
 * folder created): a missing or non-empty --out, a bad waivers file, an
 * unknown suite. The run itself is tested on the HA lab
 * (certify.integration.test.ts).
 */

const INVENTORY = join(import.meta.dirname, 'fixtures', 'lab-inventory.yaml');

describe('havoc certify refuses bad input before anything runs', () => {
  it('no --out: exit 2, saying what is needed', async () => {
    const r = await havoc(['-i', INVENTORY, 'certify']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('havoc certify needs --out DIR');
  });

  it('--out not empty: exit 2, the folder named, nothing written into it', async () => {
    const dir = tempDir('cert-');
    writeFileSync(join(dir, 'old.txt'), 'an earlier run\n');
    const r = await havoc(['-i', INVENTORY, 'certify', '--out', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--out ${dir}: not empty (old.txt)`);
  });

  it('a waivers file with an impossible date: exit 3 with its line, and --out is not created', async () => {
    const dir = tempDir('cert-');
    const waivers = join(dir, 'waivers.yaml');
    writeFileSync(
      waivers,
      'waivers:\n  - id: live.corosync.token\n    reason: short\n    by: Jane\n    expires: 2027-02-30\n',
    );
    const out = join(dir, 'out');
    const r = await havoc(['-i', INVENTORY, 'certify', '--waivers', waivers, '--out', out]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`${waivers}:5`);
    expect(existsSync(out)).toBe(false);
  });

  it('an unknown suite: exit 2 naming the built-in suites, --out not created', async () => {
    const dir = tempDir('cert-');
    const r = await havoc([
      '-i',
      INVENTORY,
      'certify',
      '--destructive',
      '--suite',
      'weekly',
      '--out',
      join(dir, 'out'),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no built-in suite "weekly"');
    expect(r.stderr).toContain('smoke, nightly');
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  it('an --alert-webhook this station cannot listen on: exit 2 naming it, --out not created', async () => {
    const dir = tempDir('cert-');
    const out = join(dir, 'out');
    const r = await havoc([
      '-i',
      INVENTORY,
      'certify',
      '--destructive',
      '--alert-webhook',
      '0.0.0.0:9095',
      '--out',
      out,
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--alert-webhook');
    expect(r.stderr).toContain('0.0.0.0');
    expect(existsSync(out)).toBe(false);
  });
});
