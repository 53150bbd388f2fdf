import { SshPool } from '../../protocols/ssh/index.js';
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
