import type { z } from 'zod';
import type { InventoryIssue } from './issues.js';
import { parseYamlSource, type YamlSource } from './yaml-source.js';
import { zodIssuesToInventoryIssues } from './zod-issues.js';

/**
 * A YAML file checked against a strict zod schema, every problem located
 * (file:line:column and the YAML path): the inventory's way, shared by every
 * YAML input havoc reads (inventories, suite files). `fail` turns the issues
 * into the caller's error.
 */
export function parseValidatedYaml<T>(
  file: string,
  text: string,
  schema: z.ZodType<T>,
  fail: (issues: InventoryIssue[]) => Error,
): { source: YamlSource; data: T } {
  const source = parseYamlSource(file, text);
  if (source.doc.errors.length > 0) {
    throw fail(
      source.doc.errors.map((e) => {
        const pos = e.linePos?.[0];
        return {
          path: '(yaml syntax)',
          ...(pos ? { line: pos.line, column: pos.col } : {}),
          message: e.message.split('\n')[0] ?? e.message,
        };
      }),
    );
  }
  const raw: unknown = source.doc.toJS();
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw fail(zodIssuesToInventoryIssues(source, raw, parsed.error.issues));
  return { source, data: parsed.data };
}
