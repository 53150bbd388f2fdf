import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { HavocError } from '../core/errors.js';

/*
 * Which inventory a command uses when none is named: the one resolver of the
 * havoc CLI and fence_havoc. The lab's path convention is data here (where
 * labs keep their state, and the file name of a lab's inventory), so
 * fence_havoc does not load lab code to find its default.
 */

/** Where labs keep their state, one folder per lab name (`$HAVOC_LAB_DIR` overrides it). */
export const LABS_DIR = '/var/lib/havoc/labs';
/** The lab `havoc lab up` builds without --name. */
export const DEFAULT_LAB = 'havoc';
const LAB_INVENTORY_FILE = 'inventory.yaml';

export function labsDir(env: NodeJS.ProcessEnv): string {
  return env.HAVOC_LAB_DIR ?? LABS_DIR;
}

export function labInventoryFile(name: string, env: NodeJS.ProcessEnv): string {
  return join(labsDir(env), name, LAB_INVENTORY_FILE);
}

/** The names of the labs whose inventory exists (a lab writes it once it is up), sorted. */
export function labsWithInventory(env: NodeJS.ProcessEnv): string[] {
  let names: string[];
  try {
    names = readdirSync(labsDir(env));
  } catch {
    return [];
  }
  return names.filter((n) => existsSync(labInventoryFile(n, env))).sort();
}

export interface InventoryChoice {
  /** -i/--inventory (or fence_havoc's inventory=). */
  inventory?: string | undefined;
  /** --lab NAME: that lab's inventory. */
  lab?: string | undefined;
}

/**
 * The inventory file to use: the explicit file, then `--lab NAME`, then
 * $HAVOC_INVENTORY, then the lab named by $HAVOC_LAB_NAME (default: havoc).
 * A lab that is not up is an error that names the labs that are, and how to
 * address them.
 */
export function resolveInventoryPath(choice: InventoryChoice, env: NodeJS.ProcessEnv): string {
  if (choice.inventory) return choice.inventory;
  if (!choice.lab && env.HAVOC_INVENTORY) return env.HAVOC_INVENTORY;
  const name = choice.lab || env.HAVOC_LAB_NAME || DEFAULT_LAB;
  const file = labInventoryFile(name, env);
  if (existsSync(file)) return file;
  const up = labsWithInventory(env);
  const which = choice.lab ? `--lab ${name}` : env.HAVOC_LAB_NAME ? `$HAVOC_LAB_NAME=${name}` : 'default';
  if (up.length === 0) {
    throw new HavocError(
      'inventory',
      `no inventory given and no lab is up (${which}: ${file} does not exist)`,
      {
        hint: 'pass an inventory file (-i FILE or $HAVOC_INVENTORY), or run `havoc lab up` to build the local lab',
      },
    );
  }
  throw new HavocError(
    'inventory',
    `no inventory given and lab ${name} is not up (${which}: ${file} does not exist); labs up: ${up.join(', ')}`,
    {
      hint: `address one with --lab ${up[0]} (fence_havoc: $HAVOC_LAB_NAME=${up[0]}) or -i ${labInventoryFile(up[0]!, env)}`,
    },
  );
}
