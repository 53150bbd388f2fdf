import { resolveInventoryPath } from '../inventory/default-inventory.js';
import { type LoadedInventory, loadInventory } from '../inventory/load.js';
import { registerSecrets } from '../inventory/register-secrets.js';
import type { CliIo } from './io.js';

/**
 * The inventory a command works on: the argument, then --inventory, then
 * --lab NAME, then $HAVOC_INVENTORY, then the lab's (inventory/default-inventory.ts,
 * shared with fence_havoc), so every command has a working default once
 * `havoc lab up` ran.
 */
export function inventoryPathFor(explicit: string | undefined, env: NodeJS.ProcessEnv, lab?: string): string {
  return resolveInventoryPath({ inventory: explicit, lab }, env);
}

/**
 * Loads the inventory and registers every secret it can resolve with the
 * redactor right away, so no later output can carry one, whichever path
 * prints it.
 */
export function loadForCli(path: string, io: CliIo): LoadedInventory {
  const loaded = loadInventory(path, io.redactor);
  registerSecrets(loaded);
  return loaded;
}
