import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil } from '../core/deadline.js';
import { HavocError } from '../core/errors.js';
import { freeUdpPort, requireProgram } from '../test/support/ipmi-sim-fixture.js';
import { tempDir } from '../test/support/temp-dir.js';
import { chassisScript } from './boot-script.js';
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

/*
 * The lab's chassis script (lab/boot-script.ts) behind a real ipmi_sim: a
 * power off is reported only once the host's processes were seen gone. The
 * "host" is a process of this test recorded as the host's init; a frozen one
 * (cgroup v1 freezer: SIGKILL stays pending, the process sits in D state, as
 * a process stuck in uninterruptible I/O does) cannot be seen gone.
 */
describe('lab chassis script: power off claims only what it saw', () => {
  const FREEZER = '/sys/fs/cgroup/freezer';
  let dir: string;
  let handle: Awaited<ReturnType<typeof startIpmiSim>>;
  const admin = { name: 'labadmin', password: 'lab-admin-pw' };
  const power = (...args: string[]) =>
    ipmitool(handle.port, admin, ['-R', '1', '-N', '15', 'chassis', 'power', ...args]);

  const isGone = async (pid: number) => {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    return stat === '' || stat.includes(') Z ');
  };

  /** A long-running process of this test, recorded as the powered-on host's init. */
  async function hostInit(): Promise<number> {
    const child = spawn('sleep', ['1000'], { stdio: 'ignore' });
    const pid = child.pid!;
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const start = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    await writeFile(join(dir, 'host', 'power.pid'), `${pid} ${start}\n`);
    return pid;
  }

  beforeAll(async () => {
    requireProgram('ipmi_sim', 'openipmi');
    dir = tempDir('hvi-chassis-');
    await mkdir(join(dir, 'host'));
    const script = join(dir, 'chassis.sh');
    await writeFile(
      script,
      chassisScript({ hostName: 'h1', netns: 'hvi-none', dir: join(dir, 'host'), nics: [] }),
    );
    await chmod(script, 0o755);
    handle = await startIpmiSim({
      stateDir: join(dir, 'bmc'),
      address: '127.0.0.1',
      port: await freeUdpPort(),
      admin,
      operator: { name: 'laboper', password: 'lab-oper-pw' },
      chassisControlScript: script,
    });
  });
  afterAll(async () => {
    if (handle) await stopIpmiSim(handle);
    await rm(dir, { recursive: true, force: true });
  });

  it('a host whose processes die is reported off, and the power log says so', async () => {
    const pid = await hostInit();
    expect((await power('status')).stdout).toContain('Chassis Power is on');
    await power('off');
    expect((await power('status')).stdout).toContain('Chassis Power is off');
    expect(await readFile(join(dir, 'host', 'power.log'), 'utf8')).toContain(`off pid=${pid}`);
  });

  it('a host whose processes are not seen gone: the off fails and the BMC still reports on', async () => {
    const cgroup = join(FREEZER, `hvi-chassis-${randomBytes(3).toString('hex')}`);
    await mkdir(cgroup);
    const pid = await hostInit();
    try {
      await writeFile(join(cgroup, 'cgroup.procs'), `${pid}\n`);
      await writeFile(join(cgroup, 'freezer.state'), 'FROZEN\n');
      await pollUntil(
        async () =>
          (await readFile(join(cgroup, 'freezer.state'), 'utf8')).trim() === 'FROZEN' ? true : undefined,
        AbortSignal.timeout(5000),
        { initialMs: 10, maxMs: 100 },
      );
      const off = await power('off').then(
        () => 'accepted',
        (err: { stderr: string }) => err.stderr,
      );
      // ipmitool's words for completion code 0xFF.
      expect(off).toMatch(/Set Chassis Power Control to Down\/Off failed: Unspecified error/);
      expect((await power('status')).stdout).toContain('Chassis Power is on');
      expect(await readFile(join(dir, 'host', 'power.log'), 'utf8')).toContain(`off failed pid=${pid}`);
    } finally {
      await writeFile(join(cgroup, 'freezer.state'), 'THAWED\n');
      // The pending SIGKILL takes effect once thawed.
      await pollUntil(async () => ((await isGone(pid)) ? true : undefined), AbortSignal.timeout(5000), {
        initialMs: 10,
        maxMs: 100,
      });
      await rmdir(cgroup);
    }
    // Once the host's processes are gone, the BMC reports it off.
    expect((await power('status')).stdout).toContain('Chassis Power is off');
  });
});
