import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/temp-dir.js';
import { havoc } from './run.js';

const EXAMPLES = ['pacemaker-kvm', 'xenserver-pool', 'kvm-libvirt-nfs', 'xen-drbd'];

describe('havoc CLI exit codes', () => {
  it('--help lists every command and exits 0', async () => {
    const r = await havoc(['--help']);
    expect(r.code).toBe(0);
    for (const cmd of ['validate', 'preflight']) expect(r.stdout).toContain(cmd);
  });

  it('an unknown command is a usage error (2)', async () => {
    const r = await havoc(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown command 'frobnicate'/);
  });

  it('an unknown option is a usage error (2)', async () => {
    const r = await havoc(['validate', '--frobnicate', 'examples/xen-drbd.yaml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown option '--frobnicate'/);
  });

  it('a bad --log-level is a usage error (2)', async () => {
    const r = await havoc(['--log-level', 'loud', 'validate', 'examples/xen-drbd.yaml']);
    expect(r.code).toBe(2);
  });

  for (const name of EXAMPLES) {
    it(`validate and preflight pass on examples/${name}.yaml`, async () => {
      const v = await havoc(['validate', `examples/${name}.yaml`]);
      expect(v.code, v.stderr).toBe(0);
      expect(v.stdout).toContain('valid');
      const p = await havoc(['--json', 'preflight', `examples/${name}.yaml`]);
      expect(p.code, p.stdout + p.stderr).toBe(0);
      const report = JSON.parse(p.stdout) as { errors: number; failuresTolerated: number };
      expect(report.errors).toBe(0);
      expect(report.failuresTolerated).toBeGreaterThanOrEqual(1);
    });
  }

  it('a missing inventory file exits 3 with a readable message', async () => {
    const r = await havoc(['validate', 'no/such/inventory.yaml']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/cannot read inventory no\/such\/inventory.yaml: no such file/);
    expect(r.stderr).not.toMatch(/at .*\.ts:\d+/);
  });

  it('no inventory and no lab: exit 3 telling the user to run lab up', async () => {
    const r = await havoc(['preflight']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/havoc lab up/);
  });

  it('an invalid inventory exits 3 and lists every problem with file:line', async () => {
    const dir = tempDir('havoc-cli-');
    const file = join(dir, 'bad.yaml');
    writeFileSync(
      file,
      'version: 1\ncluster: { name: x }\nhosts:\n  - name: a\n    address: a\n    memoryMiB: big\n    vcpus: 2\n    colour: red\n',
    );
    const r = await havoc(['validate', file]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`${file}:6:16: hosts[0].memoryMiB`);
    expect(r.stderr).toContain(`${file}:8:5: hosts[0].colour: unknown key "colour"`);
  });

  it('preflight exits 1 when there is an error-level finding', async () => {
    const dir = tempDir('havoc-cli-');
    const file = join(dir, 'nofence.yaml');
    writeFileSync(
      file,
      'version: 1\ncluster: { name: x }\nhosts:\n  - { name: a, address: a, memoryMiB: 1024, vcpus: 2 }\n  - { name: b, address: b, memoryMiB: 1024, vcpus: 2 }\n',
    );
    const r = await havoc(['preflight', file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/error\s+fencing.no-level/);
    expect(r.stdout).toMatch(/host failures tolerated: 1/);
  });
});
