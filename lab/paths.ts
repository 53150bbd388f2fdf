import { join } from 'node:path';

/** Where a lab keeps its state (PIDs, namespaces, keys, secrets, inventory). */
export function labStateDir(name: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(env.HAVOC_LAB_DIR ?? '/var/lib/havoc/labs', name);
}

export function labInventoryPath(name: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(labStateDir(name, env), 'inventory.yaml');
}
