import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// The capacity bench is the one bench that needs neither root nor a lab, so it
// stands for every bench reading its options through benchArgs.
const bench = join(import.meta.dirname, '..', 'capacity', 'run.ts');
const run = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', bench, ...args], { encoding: 'utf8', timeout: 60_000 });

describe('benchArgs (as a bench runs it)', () => {
  it('--help prints the usage and exits 0 without running the bench', () => {
    const r = run('--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('usage: node --import tsx bench/capacity/run.ts [--runs 5]\n');
  });

  it('an unknown option exits 2 naming it, before anything runs', () => {
    const r = run('--rnus', '3');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("Unknown option '--rnus'");
    expect(r.stdout).toBe('');
  });

  it('a count that is not a positive number exits 2 naming the option', () => {
    const r = run('--runs', 'three');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--runs must be a positive number, not "three"');
    expect(r.stdout).toBe('');
  });
});
