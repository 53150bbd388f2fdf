import type { DropPeers } from './havoc-table.js';

/**
 * The address matches of one rule, per family: the traffic of `own`
 * addresses (as destination on the way in, as source on the way out), and
 * optionally only with `peers`. A family with no own address, or with peers
 * given but none of that family, gets no rule.
 */
export function trafficMatches(own: DropPeers, peers: DropPeers | undefined, way: 'in' | 'out'): string[] {
  const [mine, theirs] = way === 'in' ? ['daddr', 'saddr'] : ['saddr', 'daddr'];
  const out: string[] = [];
  for (const [family, key] of [
    ['ip', 'v4'],
    ['ip6', 'v6'],
  ] as const) {
    if (own[key].length === 0) continue;
    let m = `${family} ${mine} { ${own[key].join(', ')} }`;
    if (peers) {
      if (peers[key].length === 0) continue;
      m += ` ${family} ${theirs} { ${peers[key].join(', ')} }`;
    }
    out.push(m);
  }
  return out;
}

/** Two base chains (prerouting and output at raw - 10: before conntrack) holding `verdict` for every match. */
export function inOutChains(name: string, own: DropPeers, peers: DropPeers | undefined, verdict: string) {
  const rules = (way: 'in' | 'out') => {
    const matches = trafficMatches(own, peers, way);
    if (matches.length === 0) throw new Error(`${name}: no address of a family both sides have`);
    return matches.map((m) => `    ${m} ${verdict}\n`).join('');
  };
  return (
    `  chain ${name}-in {\n` +
    '    type filter hook prerouting priority raw - 10; policy accept;\n' +
    rules('in') +
    '  }\n' +
    `  chain ${name}-out {\n` +
    '    type filter hook output priority raw - 10; policy accept;\n' +
    rules('out') +
    '  }\n'
  );
}
