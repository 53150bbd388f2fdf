import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BMC_ADMIN_USER, BMC_OPERATOR_USER, BMC_PORT, labBmcConfig } from '../../lab/bmc.js';
import { renderLanConf } from '../../lab/ipmi-sim.js';
import { writeSecretFile } from '../../lab/secret-files.js';
import { labTopology } from '../../lab/topology.js';
import { tempDir } from '../support/temp-dir.js';

const made: string[] = [];
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

/** A lab state directory with the BMC secrets `lab up` writes (createSecrets). */
function stateDir(parent?: string): string {
  const dir = parent === undefined ? tempDir('hvl-bmc-') : mkdtempSync(join(parent, 'hvl-bmc-'));
  made.push(dir);
  writeSecretFile(dir, 'bmc-host2-admin');
  writeSecretFile(dir, 'bmc-host2-operator');
  return dir;
}

describe("the lab's BMCs are lab/ipmi-sim.ts configurations", () => {
  it("binds the host's out-of-band address, runs its chassis script, and has the admin and operator users", () => {
    const dir = stateDir();
    const host = labTopology('t1', 3, 0).hosts[1]!;
    const config = labBmcConfig(dir, host);
    expect(config.stateDir).toBe(join(dir, 'bmc', 'host2'));
    const text = renderLanConf(config);
    expect(text).toContain(`name "bmc-host2"`);
    expect(text).toContain(`addr ${host.bmcAddress} ${BMC_PORT}`);
    expect(text).toContain(`chassis_control "${join(dir, 'hosts', 'host2', 'chassis.sh')} 0x20"`);
    expect(text).toMatch(new RegExp(`user 2 true "${BMC_ADMIN_USER}" "[0-9a-f]{16}" admin 10`));
    expect(text).toMatch(new RegExp(`user 3 true "${BMC_OPERATOR_USER}" "[0-9a-f]{16}" operator 10`));
    expect(config.admin.password).not.toBe(config.operator.password);
  });

  it('refuses a state directory whose path would break lan.conf, naming the chassis script', () => {
    const parent = tempDir('hvl bmc ');
    made.push(parent);
    const config = labBmcConfig(stateDir(parent), labTopology('t1', 3, 0).hosts[1]!);
    expect(() => renderLanConf(config)).toThrow(/chassis control script path must be non-empty without/);
  });
});
