import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HavocError } from '../../core/errors.js';
import { runAgent } from '../../fencers/fence_havoc.js';
import { labsWithInventory, resolveInventoryPath } from '../../inventory/default-inventory.js';
import { havoc } from '../cli/run.js';
import { tempDir } from '../support/temp-dir.js';

/* The one resolver of the default inventory, shared by the CLI and fence_havoc, on a temporary HAVOC_LAB_DIR. */

let labs: string;
beforeEach(() => {
  labs = tempDir('havoc-labs-');
});
afterEach(() => rmSync(labs, { recursive: true, force: true }));

function labUp(name: string): string {
  mkdirSync(join(labs, name), { recursive: true });
  const file = join(labs, name, 'inventory.yaml');
  writeFileSync(file, 'version: 1\n');
  return file;
}

function failure(fn: () => unknown): HavocError {
  try {
    fn();
  } catch (err) {
    if (err instanceof HavocError) return err;
    throw err;
  }
  throw new Error('expected an error');
}

describe('the default inventory', () => {
  it('takes the explicit file, then --lab, then $HAVOC_INVENTORY, then $HAVOC_LAB_NAME, then lab havoc', () => {
    const havoc = labUp('havoc');
    const other = labUp('other');
    const env = { HAVOC_LAB_DIR: labs };
    expect(resolveInventoryPath({ inventory: '/x.yaml', lab: 'other' }, env)).toBe('/x.yaml');
    expect(resolveInventoryPath({ lab: 'other' }, { ...env, HAVOC_INVENTORY: '/y.yaml' })).toBe(other);
    expect(resolveInventoryPath({}, { ...env, HAVOC_INVENTORY: '/y.yaml' })).toBe('/y.yaml');
    expect(resolveInventoryPath({}, { ...env, HAVOC_LAB_NAME: 'other' })).toBe(other);
    expect(resolveInventoryPath({}, env)).toBe(havoc);
  });

  it('when lab havoc is not up but others are, names them and how to address them', () => {
    labUp('zeta');
    labUp('alpha');
    mkdirSync(join(labs, 'half-built'));
    const env = { HAVOC_LAB_DIR: labs };
    expect(labsWithInventory(env)).toEqual(['alpha', 'zeta']);
    const err = failure(() => resolveInventoryPath({}, env));
    expect(err.code).toBe('inventory');
    expect(err.describe()).toContain('lab havoc is not up');
    expect(err.describe()).toContain('labs up: alpha, zeta');
    expect(err.describe()).toContain('--lab alpha');
    expect(err.describe()).toContain(`-i ${join(labs, 'alpha', 'inventory.yaml')}`);
    expect(failure(() => resolveInventoryPath({ lab: 'nope' }, env)).describe()).toContain('--lab nope: ');
  });

  it('when no lab is up, says so and how to get one', () => {
    const err = failure(() => resolveInventoryPath({}, { HAVOC_LAB_DIR: join(labs, 'missing') }));
    expect(err.describe()).toContain('no lab is up');
    expect(err.describe()).toContain('havoc lab up');
  });
});

describe('the CLI and fence_havoc use it', () => {
  it("havoc --lab NAME reads that lab's inventory; without it, says which labs are up", async () => {
    const file = labUp('alpha');
    const env = { HAVOC_LAB_DIR: labs };
    const chosen = await havoc(['--lab', 'alpha', 'validate'], env);
    // The file is a stub: the error shows which one was read.
    expect(chosen.code).toBe(3);
    expect(chosen.stderr).toContain(file);
    const missing = await havoc(['validate'], env);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('labs up: alpha');
    expect(missing.stderr).toContain('--lab alpha');
  });

  it('fence_havoc (no inventory=) fails naming the labs that are up', async () => {
    labUp('alpha');
    let stderr = '';
    const sink = (add: (s: string) => void) =>
      ({
        write: (s: string) => {
          add(s);
          return true;
        },
      }) as unknown as NodeJS.WritableStream;
    const code = await runAgent(
      { action: 'status', plug: 'h1', verbose: false, unknown: [] },
      { stdout: sink(() => {}), stderr: sink((s) => (stderr += s)), env: { HAVOC_LAB_DIR: labs } },
    );
    expect(code).toBe(1);
    expect(stderr).toContain('lab havoc is not up');
    expect(stderr).toContain('labs up: alpha');
  });
});
