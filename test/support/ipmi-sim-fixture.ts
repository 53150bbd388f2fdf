import { execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { chmod, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type IpmiSimHandle, startIpmiSim, stopIpmiSim } from '../../lab/ipmi-sim.js';
import { tempDir } from './temp-dir.js';

/**
 * A real ipmi_sim on 127.0.0.1 with a random free UDP port and a chassis
 * script that keeps the power state in a file, for integration tests.
 *   normal:     set power 0|1 takes effect at once
 *   ignore-off: set power 0 is accepted and ignored (the host stays on)
 *   slow-off:   set power 0 returns at once, the power drops 1.5 s later
 *   stays-off:  set power 1 is accepted and ignored (the host does not come back)
 * Every script call is appended to calls.log ("get power", "set reset 1", ...).
 */
export type ChassisBehaviour = 'normal' | 'ignore-off' | 'slow-off' | 'stays-off';

export interface IpmiSimFixture {
  handle: IpmiSimHandle;
  dir: string;
  port: number;
  admin: { name: string; password: string };
  operator: { name: string; password: string };
  power(): Promise<0 | 1>;
  setPower(state: 0 | 1): Promise<void>;
  calls(): Promise<string[]>;
  stop(): Promise<void>;
}

export function requireProgram(program: string, debianPackage: string): void {
  try {
    execFileSync('sh', ['-c', `command -v ${program}`], { stdio: 'ignore' });
  } catch {
    throw new Error(`${program} is not installed: install the Debian package ${debianPackage}`);
  }
}

export async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(resolve));
  return port;
}

function chassisScript(stateFile: string, callsFile: string, behaviour: ChassisBehaviour): string {
  const off =
    behaviour === 'ignore-off'
      ? ':'
      : behaviour === 'slow-off'
        ? // Detached and with its output closed, or popen() in ipmi_sim would wait for it.
          `( sleep 1.5; echo 0 > '${stateFile}' ) >/dev/null 2>&1 </dev/null &`
        : `echo 0 > '${stateFile}'`;
  return `#!/bin/sh
# ipmi_sim runs: SCRIPT 0x20 get power | SCRIPT 0x20 set <what> <value>
shift
echo "$*" >> '${callsFile}'
case "$1" in
  get) echo "power:$(cat '${stateFile}')" ;;
  set)
    case "$2 $3" in
      "power 0") ${off} ;;
      "power 1") ${behaviour === 'stays-off' ? ':' : `echo 1 > '${stateFile}'`} ;;
    esac ;;
esac
exit 0
`;
}

export async function startIpmiSimFixture(
  behaviour: ChassisBehaviour = 'normal',
  passwords: { admin?: string; operator?: string } = {},
): Promise<IpmiSimFixture> {
  requireProgram('ipmi_sim', 'openipmi');
  requireProgram('ipmitool', 'ipmitool');
  const dir = tempDir('hvi-ipmi-');
  const stateFile = join(dir, 'power');
  const callsFile = join(dir, 'calls.log');
  const script = join(dir, 'chassis.sh');
  await writeFile(stateFile, '1\n');
  await writeFile(callsFile, '');
  await writeFile(script, chassisScript(stateFile, callsFile, behaviour));
  await chmod(script, 0o755);
  const admin = { name: 'hvadmin', password: passwords.admin ?? 'adm1n-secret' };
  const operator = { name: 'hvoper', password: passwords.operator ?? 'op3r-secret' };
  const port = await freeUdpPort();
  const handle = await startIpmiSim({
    stateDir: join(dir, 'bmc'),
    address: '127.0.0.1',
    port,
    admin,
    operator,
    chassisControlScript: script,
  });
  return {
    handle,
    dir,
    port,
    admin,
    operator,
    power: async () => ((await readFile(stateFile, 'utf8')).trim() === '0' ? 0 : 1),
    setPower: (state) => writeFile(stateFile, `${state}\n`),
    calls: async () => (await readFile(callsFile, 'utf8')).split('\n').filter((l) => l.length > 0),
    stop: async () => {
      await stopIpmiSim(handle);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
