import { HavocError } from '../../core/errors.js';
import type { HostConfig } from '../../inventory/schema.js';
import { SshPool, type SshTarget } from '../../protocols/ssh/index.js';
import type { CollectContext } from '../collector.js';

const POOL_KEY = 'ssh-pool';

/** The exporter's one SSH pool, kept in the scrape cache so connections stay warm between scrapes. */
export function sshPoolOf(ctx: CollectContext): SshPool {
  const existing = ctx.cache.get(POOL_KEY);
  if (existing instanceof SshPool) return existing;
  const pool = new SshPool();
  ctx.cache.set(POOL_KEY, pool);
  return pool;
}

export function sshTargetOf(host: HostConfig): SshTarget {
  if (!host.ssh) {
    throw new HavocError('config', `hosts.${host.name} has no ssh section`, {
      hint: 'add ssh: {keyFile, knownHostsFile} to the host so havoc can log in',
    });
  }
  return {
    name: host.name,
    address: host.address,
    port: host.ssh.port,
    user: host.ssh.user,
    keyFile: host.ssh.keyFile,
    knownHostsFile: host.ssh.knownHostsFile,
    hostKeyFingerprint: host.ssh.hostKeyFingerprint,
  };
}
