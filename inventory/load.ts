import { dirname, resolve } from 'node:path';
import { readInputFile } from '../core/read-input-file.js';
import type { Redactor } from '../core/redact.js';
import { InventoryError } from './issues.js';
import { checkReferences } from './references.js';
import { type Inventory, inventorySchema } from './schema.js';
import { SecretResolver } from './secrets.js';
import type { YamlSource } from './yaml-source.js';
import { parseValidatedYaml } from './yaml-validate.js';

export interface LoadedInventory {
  file: string;
  inventory: Inventory;
  /** The parsed YAML, for positions in messages; absent for fence_havoc's snapshot (fencers/agent-snapshot.ts). */
  source?: YamlSource;
  secrets: SecretResolver;
  /** Where the inventory's secrets are registered; clients add what they receive (session tokens). */
  redactor: Redactor;
}

/** Parses and validates inventory text; throws InventoryError with every problem found. */
export function parseInventory(file: string, text: string, redactor: Redactor): LoadedInventory {
  const { source, data } = parseValidatedYaml(
    file,
    text,
    inventorySchema,
    (issues) => new InventoryError(file, issues),
  );
  const refIssues = checkReferences(data, source);
  if (refIssues.length > 0) throw new InventoryError(file, refIssues);
  return {
    file,
    inventory: data,
    source,
    secrets: new SecretResolver(dirname(resolve(file)), redactor),
    redactor,
  };
}

export function loadInventory(file: string, redactor: Redactor): LoadedInventory {
  const text = readInputFile(file, {
    code: 'inventory',
    what: 'inventory',
    hint: "give the path of a cluster inventory (YAML), or run `havoc lab up` to get the lab's",
  });
  return parseInventory(file, text, redactor);
}
