import type { Logger } from 'pino';
import type { LoadedInventory } from '../inventory/load.js';
import { CipherSuiteMemory } from '../protocols/ipmi/cipher-suite-memory.js';
import type { PortLookupCache } from '../protocols/snmp/port-lookup.js';
import type { SshPool } from '../protocols/ssh/pool.js';

/** What fencing needs besides the host: the inventory, a logger, and per-run memories. */
export interface FenceContext {
  loaded: LoadedInventory;
  /** Absent when nothing is to be logged (fence_havoc without verbose, which then spares loading the logger). */
  log?: Logger;
  /** IPMI cipher suite that worked per BMC, kept for the life of the process. */
  ipmiMemory: CipherSuiteMemory;
  /** Switch port name -> ifIndex per switch, so repeated fences skip the name walk. */
  portLookups: Map<string, PortLookupCache>;
  /** SSH connections to hypervisors, opened by the first virsh device (ssh2 is only loaded then). */
  sshPool?: SshPool;
  /** Deadline per device and step group; the inventory's fencing.timeoutSeconds by default. */
  timeoutMs?: number;
}

export function createFenceContext(
  loaded: LoadedInventory,
  log: Logger | undefined,
  timeoutMs?: number,
): FenceContext {
  return {
    loaded,
    ...(log ? { log } : {}),
    ipmiMemory: new CipherSuiteMemory(),
    portLookups: new Map(),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
  };
}

/** Releases what a fencing run opened (SSH connections); call once the context is no longer used. */
export function closeFenceContext(ctx: FenceContext): void {
  ctx.sshPool?.close();
}
