import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { HavocError } from '../../core/errors.js';
import { fenceHavocProgram } from '../../fencers/agent-install.js';
import { DEFAULT_VM_AGENT, type FenceAgent, type VmAgent } from './ha-plan.js';

/** What `lab up --ha` runs on top of the base lab, with the Debian package of each. */
export const HA_PROGRAMS: readonly { program: string; pkg: string }[] = [
  { program: 'corosync', pkg: 'corosync' },
  { program: 'corosync-cfgtool', pkg: 'corosync' },
  { program: 'pacemakerd', pkg: 'pacemaker' },
  { program: 'crm_mon', pkg: 'pacemaker-cli-utils' },
  { program: 'cibadmin', pkg: 'pacemaker-cli-utils' },
  { program: 'crm_attribute', pkg: 'pacemaker-cli-utils' },
  { program: 'stonith_admin', pkg: 'pacemaker-cli-utils' },
  { program: 'qemu-system-x86_64', pkg: 'qemu-system-x86' },
  { program: 'nsenter', pkg: 'util-linux' },
  { program: 'mount', pkg: 'mount' },
];

const FENCE_AGENT_PROGRAMS: Record<FenceAgent, readonly { program: string; pkg: string }[]> = {
  fence_ipmilan: [{ program: 'fence_ipmilan', pkg: 'fence-agents' }],
  // havoc's own agent is written into each host's /usr/sbin overlay; only the build must exist.
  fence_havoc: [],
};

/** The OCF agent file of VirtualDomain (resource-agents), looked up by Pacemaker, not through PATH. */
export const VIRTUALDOMAIN_AGENT = '/usr/lib/ocf/resource.d/heartbeat/VirtualDomain';

const VM_AGENT_PROGRAMS: Record<VmAgent, readonly { program: string; pkg: string }[]> = {
  virtualdomain: [
    { program: 'libvirtd', pkg: 'libvirt-daemon-system' },
    { program: 'virsh', pkg: 'libvirt-clients' },
    { program: VIRTUALDOMAIN_AGENT, pkg: 'resource-agents' },
  ],
  'qemu-vm': [],
};

function installed(program: string, env: NodeJS.ProcessEnv): boolean {
  const candidates = program.startsWith('/')
    ? [program]
    : [...(env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin'].map((dir) => join(dir, program));
  for (const path of candidates) {
    try {
      accessSync(path, constants.X_OK);
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
  fenceAgent: FenceAgent = 'fence_ipmilan',
  vmAgent: VmAgent = DEFAULT_VM_AGENT,
): void {
  // Throws, naming the missing dist/ file and `npm run build`.
  if (fenceAgent === 'fence_havoc') fenceHavocProgram();
  const needed = [...HA_PROGRAMS, ...FENCE_AGENT_PROGRAMS[fenceAgent], ...VM_AGENT_PROGRAMS[vmAgent]];
  const missing = needed.filter((p) => !installed(p.program, env));
  if (missing.length > 0) {
    throw new HavocError(
      'environment',
      `lab up --ha needs ${missing.map((m) => m.program).join(', ')}, not installed here`,
      { hint: `apt-get install ${[...new Set(missing.map((m) => m.pkg))].join(' ')}` },
    );
  }
}
