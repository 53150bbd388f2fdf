import { HavocError } from '../../core/errors.js';

/**
 * corosync.conf as corosync reads it (corosync.conf(5)): sections `name {`
 * ... `}`, `key: value` lines, `#` comments. Sections repeat (`interface`,
 * `node`), so a section holds a list of each child section.
 */
export interface CorosyncSection {
  values: Record<string, string>;
  sections: Record<string, CorosyncSection[]>;
}

export function parseCorosyncConf(text: string, file = 'corosync.conf'): CorosyncSection {
  const root: CorosyncSection = { values: {}, sections: {} };
  const stack: CorosyncSection[] = [root];
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    const where = `${file}:${i + 1}`;
    const top = stack.at(-1)!;
    const open = /^([A-Za-z0-9_.-]+)\s*\{$/.exec(line);
    if (open) {
      const child: CorosyncSection = { values: {}, sections: {} };
      const name = open[1]!;
      top.sections[name] = [...(top.sections[name] ?? []), child];
      stack.push(child);
      return;
    }
    if (line === '}') {
      if (stack.length === 1) throw new HavocError('parse', `${where}: "}" closes no section`);
      stack.pop();
      return;
    }
    const kv = /^([A-Za-z0-9_.-]+)\s*:\s*(.*)$/.exec(line);
    if (!kv) throw new HavocError('parse', `${where}: expected "key: value", "name {" or "}", got "${line}"`);
    top.values[kv[1]!] = kv[2]!.trim();
  });
  if (stack.length > 1) throw new HavocError('parse', `${file}: ${stack.length - 1} section(s) not closed`);
  return root;
}

/** The first section of that name under `s`, e.g. section(root, 'totem'). */
export function section(s: CorosyncSection, name: string): CorosyncSection | undefined {
  return s.sections[name]?.[0];
}

/** The nodes of the nodelist, each with its values (name, nodeid, ring0_addr, ...). */
export function corosyncNodes(conf: CorosyncSection): Record<string, string>[] {
  return (section(conf, 'nodelist')?.sections.node ?? []).map((n) => n.values);
}

/** A node's link addresses, in link order (ring0_addr, ring1_addr, ...). */
export function ringAddresses(node: Record<string, string>): string[] {
  return Object.entries(node)
    .map(([k, v]) => [/^ring(\d+)_addr$/.exec(k)?.[1], v] as const)
    .filter((e): e is readonly [string, string] => e[0] !== undefined)
    .sort((a, b) => Number(a[0]) - Number(b[0]))
    .map(([, v]) => v);
}
