import { deadlineSignal } from '../core/deadline.js';
import { errorMessage, HavocError } from '../core/errors.js';
import { shCommand } from '../core/shell-quote.js';
import { sshLoginOf } from '../inventory/ssh-login.js';
import { type CompletedJob, parseDomJobInfo, parseVirshList } from '../protocols/libvirt/index.js';
import type { FaultContext } from './fault.js';
import { hostOf } from './fault-hosts.js';

/*
 * libvirtd on each host over SSH, for clusters without a cluster manager
 * (haManager libvirt) and for what libvirt says of a migration Pacemaker's
 * VirtualDomain ran (virsh domjobinfo on the target).
 */

/** A live migration returns only when the guest runs on the target; under TCG that takes seconds to minutes. */
export const VIRSH_MS = 5 * 60_000;

export function libvirtUri(ctx: FaultContext): string {
  const hm = ctx.inventory.haManager;
  return hm?.type === 'libvirt' ? hm.uri : 'qemu:///system';
}

export async function virshOn(
  ctx: FaultContext,
  host: string,
  args: readonly string[],
  o: { allowFailure?: boolean; timeoutMs?: number } = {},
) {
  const argv = ['virsh', '--connect', libvirtUri(ctx), ...args];
  return ctx.ssh.exec(sshLoginOf(hostOf(ctx, host)), shCommand(argv), {
    signal: deadlineSignal(o.timeoutMs ?? 30_000, `virsh ${args[0]} on ${host}`, ctx.signal),
    what: `virsh ${args[0]} on ${host}`,
    ...(o.allowFailure ? { allowFailure: true } : {}),
  });
}

/** The hosts whose libvirtd runs the domain now (running or paused), and those that could not be asked. */
export async function domainHosts(
  ctx: FaultContext,
  hosts: readonly string[],
  domain: string,
): Promise<{ running: string[]; unreachable: string[] }> {
  const seen = await Promise.all(
    hosts.map(async (h) => {
      try {
        const r = await virshOn(ctx, h, ['list', '--all']);
        const d = parseVirshList(r.stdout).find((x) => x.name === domain);
        return { h, running: d !== undefined && (d.state === 'running' || d.state === 'paused') };
      } catch (err) {
        return { h, running: false, error: errorMessage(err) };
      }
    }),
  );
  return {
    running: seen.filter((s) => s.running).map((s) => s.h),
    unreachable: seen.filter((s) => 'error' in s).map((s) => `${s.h} (${(s as { error: string }).error})`),
  };
}

/** libvirt's own account of the last finished migration of a domain on a host, kept for other readers. */
export async function completedJob(ctx: FaultContext, host: string, domain: string): Promise<CompletedJob> {
  const r = await virshOn(ctx, host, ['domjobinfo', '--completed', '--keep-completed', domain], {
    allowFailure: true,
  });
  if (r.exitCode !== 0)
    throw new HavocError('libvirt', `virsh domjobinfo --completed ${domain} on ${host}: ${r.stderr.trim()}`);
  return parseDomJobInfo(r.stdout);
}
