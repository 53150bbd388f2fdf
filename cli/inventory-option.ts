import { existsSync } from 'node:fs';
import { HavocError } from '../core/errors.js';
import { type LoadedInventory, loadInventory } from '../inventory/load.js';
import { registerSecrets } from '../inventory/register-secrets.js';
import { labInventoryPath } from '../lab/paths.js';
import type { CliIo } from './io.js';

/**
 * The inventory a command works on: the argument, then --inventory, then
 * $HAVOC_INVENTORY, then the default lab's, so every command has a working
 * default once `havoc lab up` ran.
 */
export function inventoryPathFor(explicit: string | undefined, env: NodeJS.ProcessEnv): string {
  if (explicit) return explicit;
  if (env.HAVOC_INVENTORY) return env.HAVOC_INVENTORY;
  const lab = labInventoryPath('havoc', env);
  if (existsSync(lab)) return lab;
  throw new HavocError('inventory', 'no inventory given and no lab is up', {
    hint: 'pass an inventory file (--inventory FILE or $HAVOC_INVENTORY), or run `havoc lab up` to build the local lab',
  });
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
