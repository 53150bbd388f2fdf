import { z } from 'zod';
import { deadlineSignal, pollUntil } from '../../core/deadline.js';
import { errorMessage } from '../../core/errors.js';
import { shQuote } from '../../core/shell-quote.js';
import { sshLoginOf } from '../../inventory/ssh-login.js';
import type { ActionDetail, FaultContext } from '../fault.js';
import { hostOf } from '../fault-hosts.js';
import { MIGRATION_RECORD, QEMU_VM_STATE_ROOT } from '../qemu-vm-paths.js';

/*
 * QEMU's own downtime of a live migration by havoc's ocf:havoc:qemu-vm
 * agent. Its migrate_to returns before the memory is sent, and Pacemaker's
 * stop quits the source QEMU right after, so the agent's stop keeps
 * query-migrate's answer in the VM's state dir (lab/ocf/qemuVmAgent.ts,
 * keepMigrationReport; migrate_to removes an older one). That file is read
 * here on the source host. The state dir is the resource's state_dir, else
 * the agent's default (chaos/qemu-vm-paths.ts, which the agent reads too).
 */
/** The agent's stop runs right after migrate_from; crm_mon may show the VM settled a moment before it wrote. */
const WAIT_MS = 15_000;

const report = z.object({
  status: z.string().optional(),
  downtimeMs: z.number().optional(),
  totalTimeMs: z.number().optional(),
  qemuPid: z.number().optional(),
  recordedAt: z.string().optional(),
});

/** The shell that prints the record of `resource` on its source host, or nothing while there is none. */
export function migrationRecordCommand(resource: string): string {
  const r = shQuote(resource);
  return `d=$(crm_resource --resource ${r} --get-parameter state_dir 2>/dev/null) && [ -n "$d" ] || d=${shQuote(QEMU_VM_STATE_ROOT)}/${r}; cat "$d/${MIGRATION_RECORD}" 2>/dev/null; true`;
}

/** downtimeMs / migrationTotalMs / downtimeSource for the action's done record, as libvirt's domjobinfo gives them. */
export async function qemuVmDowntime(
  ctx: FaultContext,
  source: string,
  resource: string,
): Promise<ActionDetail> {
  const where = `${source}'s qemu-vm state dir of ${resource}`;
  try {
    const text = await pollUntil(
      async (signal) => {
        const r = await ctx.ssh.exec(sshLoginOf(hostOf(ctx, source)), migrationRecordCommand(resource), {
          signal,
          what: `the migration record in ${where}`,
        });
        return r.stdout.trim() === '' ? undefined : r.stdout;
      },
      deadlineSignal(WAIT_MS, `QEMU's migration record in ${where}`, ctx.signal),
      { initialMs: 250, maxMs: 1_000 },
    );
    const rec = report.parse(JSON.parse(text));
    return {
      ...(rec.downtimeMs !== undefined ? { downtimeMs: rec.downtimeMs } : {}),
      ...(rec.totalTimeMs !== undefined ? { migrationTotalMs: rec.totalTimeMs } : {}),
      downtimeSource: `QEMU query-migrate on ${source} (QEMU PID ${rec.qemuPid ?? '?'}, ${rec.status ?? 'status ?'}), kept by the qemu-vm agent's stop`,
    };
  } catch (err) {
    return { downtimeSource: `none: ${errorMessage(err)}` };
  }
}
