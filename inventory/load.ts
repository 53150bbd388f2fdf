import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { HavocError } from '../core/errors.js';
import type { Redactor } from '../core/redact.js';
import { InventoryError, type InventoryIssue } from './issues.js';
import { checkReferences } from './references.js';
import { type Inventory, inventorySchema } from './schema.js';
import { SecretResolver } from './secrets.js';
import { parseYamlSource, type YamlSource } from './yaml-source.js';
import { zodIssuesToInventoryIssues } from './zod-issues.js';

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
  const source = parseYamlSource(file, text);
  if (source.doc.errors.length > 0) {
    const issues: InventoryIssue[] = source.doc.errors.map((e) => {
      const pos = e.linePos?.[0];
      return {
        path: '(yaml syntax)',
        ...(pos ? { line: pos.line, column: pos.col } : {}),
        message: e.message.split('\n')[0] ?? e.message,
      };
    });
    throw new InventoryError(file, issues);
  }
  const data: unknown = source.doc.toJS();
  const parsed = inventorySchema.safeParse(data);
  if (!parsed.success) {
    throw new InventoryError(file, zodIssuesToInventoryIssues(source, data, parsed.error.issues));
  }
  const refIssues = checkReferences(parsed.data, source);
  if (refIssues.length > 0) throw new InventoryError(file, refIssues);
  return {
    file,
    inventory: parsed.data,
    source,
    secrets: new SecretResolver(dirname(resolve(file)), redactor),
    redactor,
  };
}

export function loadInventory(file: string, redactor: Redactor): LoadedInventory {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new HavocError(
      'inventory',
      `cannot read inventory ${file}: ${code === 'ENOENT' ? 'no such file' : (code ?? String(err))}`,
      {
        hint: "give the path of a cluster inventory (YAML), or run `havoc lab up` to get the lab's",
      },
    );
  }
  return parseInventory(file, text, redactor);
}
