import { join } from 'node:path';
import { DEFAULT_STATE_ROOT } from '../ocf/agentParams.js';
import { vmPaths } from '../vm/vmSpec.js';
import type { VmAgent } from './ha-plan.js';

/** libvirt's qemu driver keeps a running domain's pidfile here (on the host's private /run). */
const LIBVIRT_QEMU_RUN_DIR = '/run/libvirt/qemu';

/**
 * Where a VM's QEMU pidfile is inside the host that runs it, per VM agent.
 * Chaos that kills a VM's QEMU by hand, as an operator's kill -9 would, starts here.
 */
export function qemuPidFileInHost(agent: VmAgent, vm: string): string {
  return agent === 'virtualdomain'
    ? join(LIBVIRT_QEMU_RUN_DIR, `${vm}.pid`)
    : vmPaths(join(DEFAULT_STATE_ROOT, vm)).pidFile;
}
