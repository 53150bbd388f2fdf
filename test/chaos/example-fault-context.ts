import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import type { FaultContext } from '../../chaos/fault.js';
import type { Station } from '../../chaos/refusals.js';
import { Redactor } from '../../core/redact.js';
import { parseInventory } from '../../inventory/load.js';
import { SshPool } from '../../protocols/ssh/index.js';

/** The example inventory the context is built from (refusal messages name it). */
export const exampleInventoryFile = join(import.meta.dirname, '..', '..', 'examples', 'pacemaker-kvm.yaml');
const text = readFileSync(exampleInventoryFile, 'utf8');

/** A management station that is none of the example's hosts (its address is on the example's management net). */
export const exampleStation: Station = {
  hostname: 'mgmt-station',
  addresses: new Set(['10.10.5.1', '127.0.0.1', '::1']),
};

/**
 * The example Pacemaker cluster, optionally edited, as a fault context for
 * refusal tests: refusals that fire never reach a host, a BMC or a switch.
 */
export function exampleFaultContext(edit: (yaml: string) => string = (t) => t): FaultContext {
  const loaded = parseInventory(exampleInventoryFile, edit(text), new Redactor());
  return {
    inventory: loaded.inventory,
    inventoryFile: exampleInventoryFile,
    loaded,
    ssh: new SshPool(),
    log: pino({ level: 'silent' }),
    signal: AbortSignal.timeout(10_000),
  };
}
