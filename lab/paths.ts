import { join } from 'node:path';
import { labInventoryFile, labsDir } from '../inventory/default-inventory.js';

/** Where a lab keeps its state (PIDs, namespaces, keys, secrets, inventory). */
export function labStateDir(name: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(labsDir(env), name);
}

export function labInventoryPath(name: string, env: NodeJS.ProcessEnv = process.env): string {
  return labInventoryFile(name, env);
}
