import { createFenceContext, type FenceContext } from '../../fencers/context.js';
import type { CipherSuiteMemory } from '../../protocols/ipmi/cipher-suite-memory.js';
import type { PortLookupCache } from '../../protocols/snmp/port-lookup.js';
import type { CollectContext } from '../collector.js';
import { sshPoolOf } from './host-ssh.js';

const KEY = 'fence-context';

/**
 * What the fencers' device factory needs, kept between scrapes: the IPMI
 * cipher suite that worked per BMC, the switch port lookups, and the
 * exporter's SSH pool (which the exporter closes, not the devices).
 */
export function fenceContextOf(ctx: CollectContext, timeoutMs: number): FenceContext {
  let memories = ctx.cache.get(KEY) as
    | { ipmiMemory: CipherSuiteMemory; portLookups: Map<string, PortLookupCache> }
    | undefined;
  if (!memories) {
    const { ipmiMemory, portLookups } = createFenceContext(ctx.loaded, ctx.log);
    memories = { ipmiMemory, portLookups };
    ctx.cache.set(KEY, memories);
  }
  return { loaded: ctx.loaded, log: ctx.log, ...memories, sshPool: sshPoolOf(ctx), timeoutMs };
}
