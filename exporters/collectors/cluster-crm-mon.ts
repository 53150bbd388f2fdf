import { errorMessage, HavocError } from '../../core/errors.js';
import type { Inventory } from '../../inventory/schema.js';
import { type CrmMonStatus, parseCrmMonXml } from '../../protocols/pacemaker/index.js';
import type { CollectContext } from '../collector.js';
import { sshPoolOf, sshTargetOf } from './host-ssh.js';

const MEMO_KEY = 'cluster-crm-mon-by-scrape';
// --fence-history=2: every fence, not only failed and pending ones.
export const CRM_MON_COMMAND = 'crm_mon --one-shot --output-as=xml --inactive --fence-history=2';

/** Hosts to ask, in order: haManager.via, else every host. */
export function crmMonHosts(inv: Inventory): string[] {
  const hm = inv.haManager;
  return hm?.type === 'pacemaker' && hm.via ? hm.via : inv.hosts.map((h) => h.name);
}

async function ask(ctx: CollectContext): Promise<{ host: string; status: CrmMonStatus }> {
  const inv = ctx.loaded.inventory;
  const failures: string[] = [];
  for (const name of crmMonHosts(inv)) {
    const host = inv.hosts.find((h) => h.name === name);
    if (!host) continue;
    try {
      const r = await sshPoolOf(ctx).exec(sshTargetOf(host), CRM_MON_COMMAND, {
        signal: ctx.signal,
        what: 'crm_mon',
        allowFailure: true,
      });
      // crm_mon exits non-zero when it cannot reach the cluster, and still prints an XML result saying why.
      if (!r.stdout.includes('<summary>')) {
        const why = (r.stderr || r.stdout).trim().split('\n').at(-1) ?? '';
        failures.push(`${name}: crm_mon exited with ${r.exitCode}${why ? `: ${why}` : ''}`);
        continue;
      }
      return { host: name, status: parseCrmMonXml(r.stdout) };
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      failures.push(`${name}: ${errorMessage(err)}`);
    }
  }
  throw new HavocError(
    'pacemaker-unreachable',
    `no host answered crm_mon: ${failures.join('; ') || 'no hosts to ask'}`,
    {
      hint: 'is Pacemaker running, and can havoc log in to haManager.via hosts?',
    },
  );
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
