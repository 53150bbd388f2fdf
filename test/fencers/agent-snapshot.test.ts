import { appendFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { Redactor } from '../../core/redact.js';
import { readFenceSnapshot, writeFenceSnapshot } from '../../fencers/agent-snapshot.js';
import { loadInventory } from '../../inventory/load.js';
import { secretRefsOf } from '../../inventory/secret-refs.js';
import { host, inventory } from '../inventory/build.js';
import { tempDir } from '../support/temp-dir.js';

/* fence_havoc's sealed inventory snapshot: used only while it is the validated form of the file as it is now. */

let dir: string;
let file: string;
let snapshot: string;
const secret = 'sn@p"shot\\secret';

beforeEach(() => {
  dir = tempDir('havoc-snap-');
  file = join(dir, 'inventory.yaml');
  snapshot = join(dir, 'snapshot.json');
  writeFileSync(join(dir, 'bmc.pass'), `${secret}\n`);
  const input = inventory({
    hosts: [
      host('h1', {
        bmc: { type: 'ipmi', address: '127.0.0.1', user: 'fence', password: { file: 'bmc.pass' } },
      }),
      host('h2'),
      host('h3'),
    ],
  });
  writeFileSync(file, stringify(input));
  const loaded = loadInventory(file, new Redactor());
  writeFenceSnapshot(snapshot, loaded, secretRefsOf(loaded.inventory));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('the fence_havoc inventory snapshot', () => {
  it('holds the validated inventory and its secret references, never a secret value', () => {
    const text = readFileSync(snapshot, 'utf8');
    expect(text).not.toContain('snapshot\\\\secret');
    expect(text).not.toContain('sn@p');
    const outcome = readFenceSnapshot(snapshot, file, new Redactor(), {});
    if (outcome.kind !== 'fresh') throw new Error(outcome.reason);
    expect(outcome.loaded.inventory).toEqual(loadInventory(file, new Redactor()).inventory);
    expect(outcome.secretRefs.map((r) => r.path)).toContain('hosts[0].bmc.password');
    // Secrets are read at fence time, relative to the inventory as before.
    const h1 = outcome.loaded.inventory.hosts[0]!;
    expect(outcome.loaded.secrets.resolve(h1.bmc!.password, 'bmc')).toBe(secret);
  });

  it('is not used once the inventory changed, and says why', () => {
    appendFileSync(file, '# an edit\n');
    const outcome = readFenceSnapshot(snapshot, file, new Redactor(), {});
    expect(outcome).toEqual({
      kind: 'unusable',
      reason: `${file} changed since the snapshot ${snapshot} was written`,
    });
  });

  it('is not used for another inventory file, nor when damaged', () => {
    const other = join(dir, 'other.yaml');
    writeFileSync(other, readFileSync(file));
    expect(readFenceSnapshot(snapshot, other, new Redactor(), {})).toMatchObject({
      kind: 'unusable',
      reason: expect.stringContaining(`is the snapshot of ${file}, not of ${other}`),
    });
    const damaged = readFileSync(snapshot, 'utf8').replace('"127.0.0.1"', '"127.0.0.2"');
    writeFileSync(snapshot, damaged);
    expect(readFenceSnapshot(snapshot, file, new Redactor(), {})).toMatchObject({
      kind: 'unusable',
      reason: expect.stringContaining('damaged'),
    });
  });
});
