import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { HavocError } from '../core/errors.js';

/** Every program the lab runs, with the Debian package that provides it. */
export const LAB_PROGRAMS: readonly { program: string; pkg: string }[] = [
  { program: 'ip', pkg: 'iproute2' },
  { program: 'ss', pkg: 'iproute2' },
  { program: 'unshare', pkg: 'util-linux' },
  { program: 'setsid', pkg: 'util-linux' },
  { program: 'sshd', pkg: 'openssh-server' },
  { program: 'ssh-keygen', pkg: 'openssh-client' },
  { program: 'snmpd', pkg: 'snmpd' },
  { program: 'ipmi_sim', pkg: 'openipmi' },
  { program: 'ipmitool', pkg: 'ipmitool' },
  { program: 'qemu-storage-daemon', pkg: 'qemu-system-common' },
];

function findProgram(program: string, env: NodeJS.ProcessEnv): string | undefined {
  const dirs = [...(env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin'];
  for (const dir of dirs) {
    const path = join(dir, program);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Refuses, before anything is created, when not root or when a program is missing. */
export function checkLabPrerequisites(
  env: NodeJS.ProcessEnv = process.env,
  uid = process.getuid?.() ?? -1,
): void {
  if (uid !== 0) {
    throw new HavocError(
      'environment',
      'the lab needs root (it creates network namespaces, veth pairs and bridges)',
      {
        hint: 'run it as root, e.g. `sudo havoc lab up`',
      },
    );
  }
  const missing = LAB_PROGRAMS.filter((p) => !findProgram(p.program, env));
  if (missing.length > 0) {
    const pkgs = [...new Set(missing.map((m) => m.pkg))];
    throw new HavocError(
      'environment',
      `the lab needs ${missing.map((m) => m.program).join(', ')}, which ${missing.length === 1 ? 'is' : 'are'} not installed`,
      {
        hint: `apt-get install ${pkgs.join(' ')}`,
      },
    );
  }
}
