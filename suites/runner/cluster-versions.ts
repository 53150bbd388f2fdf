import type { FaultContext } from '../../chaos/fault.js';
import { errorMessage } from '../../core/errors.js';
import { shCommand } from '../../core/shell-quote.js';
import { sshLoginOf } from '../../inventory/ssh-login.js';

const PROGRAMS: Record<string, readonly string[]> = {
  pacemaker: ['pacemakerd', '--version'],
  corosync: ['corosync', '-v'],
  libvirt: ['libvirtd', '--version'],
  qemu: ['qemu-system-x86_64', '--version'],
};

/** The first line each cluster program prints for its version, per host (for the report); what fails says why. */
export async function clusterVersions(ctx: FaultContext): Promise<Record<string, Record<string, string>>> {
  const out: Record<string, Record<string, string>> = {};
  await Promise.all(
    ctx.inventory.hosts.map(async (h) => {
      const mine: Record<string, string> = {};
      out[h.name] = mine;
      if (!h.ssh) return;
      for (const [name, argv] of Object.entries(PROGRAMS)) {
        try {
          const r = await ctx.ssh.exec(sshLoginOf(h), `${shCommand(argv)} 2>&1 | head -n 1`, {
            signal: ctx.signal,
            what: `${name} version`,
            allowFailure: true,
          });
          mine[name] = r.stdout.trim() || `unknown (exit ${r.exitCode})`;
        } catch (err) {
          mine[name] = `unknown: ${errorMessage(err)}`;
        }
      }
    }),
  );
  return out;
}
