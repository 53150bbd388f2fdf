import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { HavocError } from '../../core/errors.js';

/** What `lab up --ha` runs on top of the base lab, with the Debian package of each. */
export const HA_PROGRAMS: readonly { program: string; pkg: string }[] = [
  { program: 'corosync', pkg: 'corosync' },
  { program: 'corosync-cfgtool', pkg: 'corosync' },
  { program: 'pacemakerd', pkg: 'pacemaker' },
  { program: 'crm_mon', pkg: 'pacemaker-cli-utils' },
  { program: 'cibadmin', pkg: 'pacemaker-cli-utils' },
  { program: 'crm_attribute', pkg: 'pacemaker-cli-utils' },
  { program: 'fence_ipmilan', pkg: 'fence-agents' },
  { program: 'qemu-system-x86_64', pkg: 'qemu-system-x86' },
  { program: 'nsenter', pkg: 'util-linux' },
  { program: 'mount', pkg: 'mount' },
];

function installed(program: string, env: NodeJS.ProcessEnv): boolean {
  for (const dir of [...(env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin']) {
    try {
      accessSync(join(dir, program), constants.X_OK);
      return true;
    } catch {
      // not here
    }
  }
  return false;
}

/** Refuses `--ha` before anything is created when a program of the cluster stack is missing. */
export function checkHaPrerequisites(
  env: NodeJS.ProcessEnv = process.env,
  fenceAgent: 'fence_ipmilan' | 'fence_havoc' = 'fence_ipmilan',
): void {
  if (fenceAgent === 'fence_havoc' && !installed('fence_havoc', { PATH: '/usr/sbin' })) {
    throw new HavocError(
      'environment',
      'fence_havoc is not installed where Pacemaker looks for fence agents',
      {
        hint: 'install it as /usr/sbin/fence_havoc (pacemaker-fenced runs stonith agents from /usr/sbin only)',
      },
    );
  }
  const missing = HA_PROGRAMS.filter((p) => !installed(p.program, env));
  if (missing.length > 0) {
    throw new HavocError(
      'environment',
      `lab up --ha needs ${missing.map((m) => m.program).join(', ')}, not installed here`,
      { hint: `apt-get install ${[...new Set(missing.map((m) => m.pkg))].join(' ')}` },
    );
  }
}
