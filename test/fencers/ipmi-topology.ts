import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { pino } from 'pino';
import { createFenceContext, type FenceContext } from '../../fencers/context.js';
import { host, inventory, load } from '../inventory/build.js';
import type { IpmiSimFixture } from '../support/ipmi-sim-fixture.js';

export const silentLog: Logger = pino({ level: 'silent' });

/**
 * An inventory whose host h1 is fenced through the fixture's ipmi_sim (or a
 * dead port), with the given extra levels, ready for fenceHost().
 */
export function ipmiInventory(
  bmc: { port: number; user: string; password: string },
  dir: string,
  over: { timeoutSeconds?: number; cipherSuites?: (0 | 3 | 17)[]; allowCipherSuite0?: boolean } = {},
): { ctx: FenceContext; hostName: string } {
  const passwordFile = join(dir, `bmc-${bmc.port}-${bmc.user}.secret`);
  writeFileSync(passwordFile, `${bmc.password}\n`, { mode: 0o600 });
  const input = inventory({
    hosts: [
      host('h1', {
        bmc: {
          type: 'ipmi',
          address: '127.0.0.1',
          port: bmc.port,
          user: bmc.user,
          password: { file: passwordFile },
          cipherSuites: over.cipherSuites ?? [17, 3],
          ...(over.allowCipherSuite0 ? { allowCipherSuite0: true } : {}),
        },
        fencing: { levels: [{ devices: [{ type: 'bmc' }] }], timeoutSeconds: over.timeoutSeconds ?? 5 },
      }),
      host('h2'),
      host('h3'),
    ],
  });
  return { ctx: createFenceContext(load(input), silentLog), hostName: 'h1' };
}

export function operatorOf(fixture: IpmiSimFixture) {
  return { port: fixture.port, user: fixture.operator.name, password: fixture.operator.password };
}
