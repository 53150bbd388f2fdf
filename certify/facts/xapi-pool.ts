import { errorMessage } from '../../core/errors.js';
import type { LoadedInventory } from '../../inventory/load.js';
import { xapiLoginOf } from '../../inventory/xapi-login.js';
import { type PoolHaSetup, readPoolHaSetup } from '../../protocols/xapi/index.js';

/** What the XenServer checks read: one XAPI read from the pool master, not SSH. */
export type XapiPoolFacts = PoolHaSetup;

/** The pool's facts, or why they could not be read (every XAPI check is then an error). */
export interface PoolFacts {
  values?: XapiPoolFacts;
  error?: string;
}

const XAPI_DEADLINE_MS = 20_000;

/** Reads the pool's HA setup with the inventory's haManager (type xapi) settings. */
export async function gatherPoolFacts(loaded: LoadedInventory, signal: AbortSignal): Promise<PoolFacts> {
  const hm = loaded.inventory.haManager;
  if (hm?.type !== 'xapi') return { error: 'haManager is not xapi' };
  try {
    return {
      values: await readPoolHaSetup(xapiLoginOf(loaded), {
        signal,
        timeoutMs: XAPI_DEADLINE_MS,
        redactor: loaded.redactor,
      }),
    };
  } catch (err) {
    return { error: errorMessage(err) };
  }
}
