import type { z } from 'zod';
import type { InventoryIssue } from './issues.js';
import { SECRET_KEYS } from './secrets.js';
import { formatPath, keyPositionOf, positionOf, type YamlPath, type YamlSource } from './yaml-source.js';

function describeFound(value: unknown, secret: boolean): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (secret && typeof value === 'string') return 'an inline string (not shown)';
  if (typeof value === 'string')
    return `the string ${JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value)}`;
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${String(value)}`;
  if (Array.isArray(value)) return 'a list';
  return 'a mapping';
}

function valueAt(data: unknown, path: YamlPath): unknown {
  let node: unknown = data;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[key];
  }
  return node;
}

/** Turns zod issues into located, readable inventory issues (several at once). */
export function zodIssuesToInventoryIssues(
  source: YamlSource,
  data: unknown,
  issues: readonly z.core.$ZodIssue[],
): InventoryIssue[] {
  const out: InventoryIssue[] = [];
  for (const issue of issues) {
    const path = issue.path.filter((k): k is string | number => typeof k !== 'symbol');
    const lastKey = path[path.length - 1];
    const secret = typeof lastKey === 'string' && SECRET_KEYS.has(lastKey);
    const found = valueAt(data, path);

    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const pos = keyPositionOf(source, path, key);
        out.push({
          path: formatPath([...path, key]),
          ...pos,
          message: `unknown key "${key}"`,
          expected: `one of the keys this object takes (a typo?)`,
        });
      }
      continue;
    }

    const pos = positionOf(source, path);
    if (secret && typeof found === 'string') {
      out.push({
        path: formatPath(path),
        ...pos,
        message: 'inline secrets are not allowed',
        found: describeFound(found, true),
        expected: 'a reference: {file: /path/to/secret} (mode 0600) or {env: VARIABLE_NAME}',
      });
      continue;
    }
    if (found === undefined && (issue.code === 'invalid_type' || issue.code === 'invalid_union')) {
      out.push({
        path: formatPath(path),
        ...pos,
        message: 'is required but missing',
        expected: issue.code === 'invalid_type' ? issue.expected : issue.message,
      });
      continue;
    }
    if (issue.code === 'invalid_union' && issue.discriminator !== undefined) {
      // A discriminated union with a wrong tag: zod already points at the tag itself.
      out.push({
        path: formatPath(path),
        ...pos,
        message: 'has the wrong type or value',
        found: describeFound(found, false),
        expected: issue.message,
      });
      continue;
    }
    let expected: string | undefined;
    switch (issue.code) {
      case 'invalid_type':
        expected = issue.expected;
        break;
      case 'invalid_value':
        expected = `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
        break;
      case 'invalid_union':
        expected = issue.message.startsWith('Invalid') ? undefined : issue.message;
        break;
      case 'too_small':
        expected =
          issue.origin === 'array'
            ? `at least ${String(issue.minimum)} item(s)`
            : `${issue.inclusive ? 'at least' : 'more than'} ${String(issue.minimum)}`;
        break;
      case 'too_big':
        expected = `${issue.inclusive ? 'at most' : 'less than'} ${String(issue.maximum)}`;
        break;
      default:
        expected = undefined;
    }
    const message =
      issue.code === 'invalid_type' || issue.code === 'invalid_value'
        ? 'has the wrong type or value'
        : issue.code === 'invalid_union' && issue.message.startsWith('Invalid')
          ? 'matches none of the allowed forms (check its "type")'
          : issue.code === 'invalid_format' || issue.code === 'custom'
            ? `is not ${issue.message}`
            : 'is out of range';
    out.push({
      path: formatPath(path),
      ...pos,
      message:
        issue.code === 'invalid_format' && issue.message.startsWith('Invalid') ? issue.message : message,
      found: describeFound(found, secret),
      ...(expected ? { expected } : {}),
    });
  }
  return out;
}
