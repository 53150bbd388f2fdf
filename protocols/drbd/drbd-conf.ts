import { HavocError } from '../../core/errors.js';

/*
 * DRBD's configuration syntax (drbd.conf(5)), as `drbdadm dump all` prints
 * the configuration drbdadm will apply and `drbdsetup show` what the kernel
 * runs: sections `keyword [args] { ... }` and statements `keyword values;`,
 * `#` comments, double-quoted strings. Only what the live checks read is
 * kept: per resource the effective net / disk options (common, then the
 * resource, then each connection's), the handlers and the devices.
 */

interface Node {
  keyword: string;
  args: string[];
  children?: Node[];
}

function tokens(text: string, what: string): string[] {
  const out: string[] = [];
  const re = /\s+|#[^\n]*|"((?:[^"\\]|\\.)*)"|([{};])|([^\s{};"#]+)/gy;
  let m: RegExpExecArray | null;
  let at = 0;
  while (at < text.length) {
    re.lastIndex = at;
    m = re.exec(text);
    if (!m)
      throw new HavocError('drbd-parse', `${what}: cannot read ${JSON.stringify(text.slice(at, at + 30))}`);
    at = re.lastIndex;
    if (m[1] !== undefined) out.push(m[1].replace(/\\(.)/g, '$1'));
    else if (m[2] !== undefined) out.push(m[2]);
    else if (m[3] !== undefined) out.push(m[3]);
  }
  return out;
}

function parseNodes(toks: string[], what: string): Node[] {
  let i = 0;
  const block = (depth: number): Node[] => {
    const nodes: Node[] = [];
    let words: string[] = [];
    while (i < toks.length) {
      const t = toks[i++]!;
      if (t === ';') {
        if (words.length) nodes.push({ keyword: words[0]!, args: words.slice(1) });
        words = [];
      } else if (t === '{') {
        if (!words.length) throw new HavocError('drbd-parse', `${what}: a "{" without a section keyword`);
        nodes.push({ keyword: words[0]!, args: words.slice(1), children: block(depth + 1) });
        words = [];
      } else if (t === '}') {
        if (depth === 0) throw new HavocError('drbd-parse', `${what}: unbalanced "}"`);
        if (words.length) throw new HavocError('drbd-parse', `${what}: "${words.join(' ')}" has no ";"`);
        return nodes;
      } else words.push(t);
    }
    if (depth > 0) throw new HavocError('drbd-parse', `${what}: the output ends inside a section`);
    if (words.length) throw new HavocError('drbd-parse', `${what}: "${words.join(' ')}" has no ";"`);
    return nodes;
  };
  return block(0);
}

export interface DrbdResourceConf {
  name: string;
  /** Effective options of the net / disk sections (the resource's over common's); a value-less flag is "yes". */
  net: Record<string, string>;
  disk: Record<string, string>;
  /** Per connection (DRBD 9), its own net options over the resource's: named by its hosts or peer. */
  connections: { name: string; net: Record<string, string> }[];
  handlers: Record<string, string>;
  /** Block devices of the resource's volumes: /dev/drbdN. */
  devices: string[];
}

function options(nodes: readonly Node[] | undefined): Record<string, string> {
  return Object.fromEntries(
    (nodes ?? []).filter((n) => !n.children).map((n) => [n.keyword, n.args.join(' ') || 'yes']),
  );
}
const section = (nodes: readonly Node[] | undefined, keyword: string) =>
  (nodes ?? []).filter((n) => n.keyword === keyword && n.children).flatMap((n) => n.children!);

function devicesOf(nodes: readonly Node[]): string[] {
  const out: string[] = [];
  for (const n of nodes) {
    if (n.keyword === 'device' && !n.children) {
      const path = n.args.find((a) => a.startsWith('/dev/'));
      const minor = n.args[n.args.indexOf('minor') + 1];
      if (path) out.push(path);
      else if (n.args.includes('minor') && minor) out.push(`/dev/drbd${minor}`);
    }
    if (n.children) out.push(...devicesOf(n.children));
  }
  return [...new Set(out)];
}

/** Parses `drbdadm dump all` or `drbdsetup show` into its resources, common options merged in. */
export function parseDrbdConf(text: string, what = 'drbdadm dump'): DrbdResourceConf[] {
  const nodes = parseNodes(tokens(text, what), what);
  const common = section(nodes, 'common');
  return nodes
    .filter((n) => n.keyword === 'resource' && n.children)
    .map((r) => {
      const body = r.children!;
      const net = { ...options(section(common, 'net')), ...options(section(body, 'net')) };
      const connections = body
        .filter((n) => n.keyword === 'connection' && n.children)
        .map((c, i) => {
          const hosts = c.children!.filter((n) => n.keyword === 'host' || n.keyword === '_peer_node_id');
          const name = hosts.length ? hosts.map((h) => h.args[0]).join('-') : `connection ${i + 1}`;
          return { name, net: { ...net, ...options(section(c.children, 'net')) } };
        });
      return {
        name: r.args[0] ?? '',
        net,
        disk: { ...options(section(common, 'disk')), ...options(section(body, 'disk')) },
        connections,
        handlers: { ...options(section(common, 'handlers')), ...options(section(body, 'handlers')) },
        devices: devicesOf(body),
      };
    });
}
