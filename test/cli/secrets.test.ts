import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { host, inventory } from '../inventory/build.js';
import { tempDir } from '../support/temp-dir.js';
import { havoc } from './run.js';

const BMC_SECRET = 'Hunter2-bmc-Secret';
const COMMUNITY = 'c0mmunity-Secret';

/**
 * The secrets are deliberately also used as the cluster name and in an
 * address, so every output path that prints those has to redact them.
 */
function inventoryWithSecrets(): string {
  const dir = tempDir('havoc-secret-');
  writeFileSync(join(dir, 'bmc.secret'), `${BMC_SECRET}\n`, { mode: 0o600 });
  const input = inventory({
    cluster: { name: BMC_SECRET },
    hosts: ['h1', 'h2', 'h3'].map((n) =>
      host(n, {
        address: n === 'h1' ? `${COMMUNITY}.example` : `${n}.example`,
        bmc: { type: 'ipmi', address: `${n}-bmc`, user: 'fence', password: { file: 'bmc.secret' } },
        // A finding on every host, so preflight prints something about each.
        fencing: { levels: [{ devices: [{ type: 'bmc' }] }], delaySeconds: n === 'h1' ? 1 : undefined },
      }),
    ),
  });
  const file = join(dir, 'inventory.yaml');
  writeFileSync(file, stringify(input));
  return file;
}

describe('a secret from an inventory never appears in any output, log or error', () => {
  const file = inventoryWithSecrets();
  const env = { HAVOC_TEST_COMMUNITY: COMMUNITY };
  const runs: [string, string[]][] = [
    ['validate', ['--log-level', 'trace', 'validate', file]],
    ['validate --json', ['--json', '--log-level', 'trace', 'validate', file]],
    ['preflight', ['--log-level', 'trace', 'preflight', file]],
    ['preflight --json', ['--json', '--log-level', 'trace', 'preflight', file]],
  ];
  for (const [name, args] of runs) {
    it(name, async () => {
      const r = await havoc(args, env);
      const all = r.stdout + r.stderr;
      expect(all).not.toContain(BMC_SECRET);
      expect(all).not.toContain(COMMUNITY);
      // The redaction really happened where the values would have been printed.
      expect(all).toContain('[redacted]');
    });
  }

  it('an unset secret environment variable is an error naming the variable, not the value', async () => {
    const r = await havoc(['--json', 'preflight', file], {});
    const report = JSON.parse(r.stdout) as { findings: { id: string; message: string }[] };
    const unresolved = report.findings.filter((f) => f.id === 'secret.unresolved');
    expect(unresolved.length).toBeGreaterThan(0);
    expect(unresolved[0]?.message).toMatch(/environment variable HAVOC_TEST_COMMUNITY is not set/);
    expect(r.code).toBe(1);
  });
});
