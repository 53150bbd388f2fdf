import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HavocError } from '../core/errors.js';
import { freeUdpPort, requireProgram } from '../test/support/ipmi-sim-fixture.js';
import { tempDir } from '../test/support/temp-dir.js';
import { type IpmiSimConfig, readIpmiSimHandle, startIpmiSim, stopIpmiSim } from './ipmi-sim.js';

const run = promisify(execFile);

/** ipmitool, the reference client, against a BMC on 127.0.0.1 (inside `netns` if given). */
function ipmitool(
  port: number,
  user: { name: string; password: string },
  args: readonly string[],
  netns?: string,
) {
  const argv = [
    'ipmitool',
    ...['-I', 'lanplus', '-C', '3', '-H', '127.0.0.1', '-p', String(port), '-U', user.name, '-E'],
    ...args,
  ];
  const [file, ...rest] = netns ? ['ip', 'netns', 'exec', netns, ...argv] : argv;
  return run(file!, rest, { env: { ...process.env, IPMI_PASSWORD: user.password } });
}

async function running(pid: number, configFile: string): Promise<boolean> {
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  return cmdline.split('\0').includes(configFile);
}

describe('lab/ipmi-sim: one real ipmi_sim per BMC', () => {
  let dir: string;
  let script: string;
  beforeAll(async () => {
    requireProgram('ipmi_sim', 'openipmi');
    requireProgram('ipmitool', 'ipmitool');
    requireProgram('ip', 'iproute2');
    dir = tempDir('hvi-lab-');
    script = join(dir, 'chassis.sh');
    await writeFile(script, '#!/bin/sh\n[ "$2" = get ] && echo power:1\nexit 0\n');
    await chmod(script, 0o755);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const base = (port: number, name: string): IpmiSimConfig => ({
    stateDir: join(dir, name),
    address: '127.0.0.1',
    port,
    admin: { name: 'labadmin', password: 'lab-admin-pw' },
    operator: { name: 'laboper', password: 'lab-oper-pw' },
    chassisControlScript: script,
  });

  it('starts on 127.0.0.1, answers at once, records its PID, and stops by that PID', async () => {
    const spawned: number[] = [];
    const handle = await startIpmiSim({
      ...base(await freeUdpPort(), 'local'),
      onSpawn: (pid) => spawned.push(pid),
    });
    expect(spawned).toEqual([handle.pid]);
    expect(await running(handle.pid, handle.configFile)).toBe(true);
    expect((await readFile(handle.pidFile, 'utf8')).trim()).toBe(String(handle.pid));
    const { stdout } = await ipmitool(handle.port, { name: 'laboper', password: 'lab-oper-pw' }, [
      'chassis',
      'power',
      'status',
    ]);
    expect(stdout).toContain('Chassis Power is on');
    expect(await readIpmiSimHandle(handle.stateDir)).toEqual(handle);
    await stopIpmiSim(handle);
    expect(await running(handle.pid, handle.configFile)).toBe(false);
  });

  it('fails with the log tail, not a hang, when the port is already taken', async () => {
    const first = await startIpmiSim(base(await freeUdpPort(), 'first'));
    try {
      const err = await startIpmiSim({ ...base(first.port, 'second'), readyTimeoutMs: 15_000 }).catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(HavocError);
      expect((err as HavocError).describe()).toContain(`127.0.0.1:${first.port} is already in use`);
    } finally {
      await stopIpmiSim(first);
    }
  });

  it('runs inside a network namespace given by name', async () => {
    const ns = `hvi-t${randomBytes(3).toString('hex')}`;
    await run('ip', ['netns', 'add', ns]);
    try {
      await run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
      const port = 6230;
      const handle = await startIpmiSim({ ...base(port, 'netns'), netns: ns });
      try {
        // Reachable inside the namespace only.
        const admin = { name: 'labadmin', password: 'lab-admin-pw' };
        const { stdout } = await ipmitool(port, admin, ['mc', 'info'], ns);
        expect(stdout).toContain('IPMI Version              : 2.0');
      } finally {
        await stopIpmiSim(handle);
      }
      expect(await running(handle.pid, handle.configFile)).toBe(false);
    } finally {
      await run('ip', ['netns', 'del', ns]);
    }
  });
});
