import { type Document, isMap, isNode, isSeq, LineCounter, parseDocument } from 'yaml';

export type YamlPath = readonly (string | number)[];

/** A parsed YAML file that can say where any path of it is (line and column, 1-based). */
export interface YamlSource {
  file: string;
  doc: Document.Parsed;
  lines: LineCounter;
}

export function parseYamlSource(file: string, text: string): YamlSource {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  return { file, doc, lines };
}

export interface Position {
  line: number;
  column: number;
}

/**
 * Where a path is in the file. For a missing key, the position of the closest
 * existing parent, since that is where the user has to add it.
 */
export function positionOf(source: YamlSource, path: YamlPath): Position | undefined {
  let node: unknown = source.doc.contents;
  let best: unknown = node;
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find(
        (item) => isNode(item.key) && String((item.key as { value?: unknown }).value) === String(key),
      );
      if (!pair) break;
      // An unknown key is reported at the key itself, not at its value.
      best = pair.value ?? pair.key;
      node = pair.value;
      if (!isNode(node)) {
        best = pair.key;
        break;
      }
    } else if (isSeq(node) && typeof key === 'number') {
      const item = node.items[key];
      if (!item) break;
      best = item;
      node = item;
    } else {
      break;
    }
  }
  const range = isNode(best) ? best.range : undefined;
  if (!range) return undefined;
  const pos = source.lines.linePos(range[0]);
  return { line: pos.line, column: pos.col };
}

/** Position of a mapping key (used for unknown keys). */
export function keyPositionOf(source: YamlSource, path: YamlPath, key: string): Position | undefined {
  const parent = source.doc.getIn(path as (string | number)[], true);
  if (isMap(parent)) {
    const pair = parent.items.find(
      (item) => isNode(item.key) && String((item.key as { value?: unknown }).value) === key,
    );
    const range = pair && isNode(pair.key) ? pair.key.range : undefined;
    if (range) {
      const pos = source.lines.linePos(range[0]);
      return { line: pos.line, column: pos.col };
    }
  }
  return positionOf(source, path);
}

/** `hosts[1].bmc.password` */
export function formatPath(path: YamlPath): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${key}` : key;
  }
  return out || '(top level)';
}
