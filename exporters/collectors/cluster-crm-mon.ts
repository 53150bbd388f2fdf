import { crmMonHosts } from '../../inventory/ha-names.js';
import { sshLoginOfHaNode } from '../../inventory/ssh-login.js';
import { type CrmMonStatus, readCrmMon, sshCrmMonRunner } from '../../protocols/pacemaker/index.js';
import type { CollectContext } from '../collector.js';
import { sshPoolOf } from './host-ssh.js';

const MEMO_KEY = 'cluster-crm-mon-by-scrape';
const PER_NODE_MS = 4000;

async function ask(ctx: CollectContext): Promise<{ host: string; status: CrmMonStatus }> {
  const { node, status } = await readCrmMon(
    crmMonHosts(ctx.loaded.inventory),
    sshCrmMonRunner(sshPoolOf(ctx), (node) => sshLoginOfHaNode(ctx.loaded.inventory, node)),
    {
      signal: ctx.signal,
      // A powered-off first host must not eat the whole scrape deadline: the survivor has to answer (seen in
      // alerts-e2e: host1 off, every cluster probe failed and PacemakerNodeOffline had no series to fire on).
      perNodeMs: PER_NODE_MS,
      hint: 'is Pacemaker running, and can havoc log in to haManager.via hosts?',
    },
  );
  return { host: node, status };
}

/**
 * crm_mon of the first host that answers, once per scrape: the Pacemaker and
 * HA-readiness collectors of one probe share it (the probe's signal
 * identifies the scrape).
 */
export function crmMonOfScrape(ctx: CollectContext): Promise<{ host: string; status: CrmMonStatus }> {
  let memo = ctx.cache.get(MEMO_KEY) as
    | WeakMap<AbortSignal, Promise<{ host: string; status: CrmMonStatus }>>
    | undefined;
  if (!memo) {
    memo = new WeakMap();
    ctx.cache.set(MEMO_KEY, memo);
  }
  let pending = memo.get(ctx.signal);
  if (!pending) {
    pending = ask(ctx);
    memo.set(ctx.signal, pending);
  }
  return pending;
}
