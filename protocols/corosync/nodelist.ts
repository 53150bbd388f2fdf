import { HavocError } from '../../core/errors.js';

/*
 * `corosync-cmapctl -b nodelist.node`: the configured nodes, members or not,
 * so a peer that is down still has a name (corosync-quorumtool lists members
 * only). Captured from the HA lab (fixtures/cmapctl-nodelist.txt).
 */

export function parseNodelist(
  text: string,
  where = 'corosync-cmapctl -b nodelist.node',
): Map<number, string> {
  const names = new Map<string, string>();
  const ids = new Map<string, number>();
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    const m = /^nodelist\.node\.(\d+)\.([a-z0-9_]+) \([a-z0-9]+\) = (.*)$/.exec(line);
    if (!m)
      throw new HavocError('corosync-parse', `${where}: line ${i + 1}: unexpected ${JSON.stringify(line)}`);
    const [, index = '', key, value = ''] = m;
    if (key === 'name') names.set(index, value);
    if (key === 'nodeid') ids.set(index, Number(value));
  });
  const out = new Map<number, string>();
  for (const [index, id] of ids) out.set(id, names.get(index) ?? `node${id}`);
  if (out.size === 0) {
    throw new HavocError('corosync-parse', `${where}: no nodelist.node.N.nodeid entries`, {
      hint: 'corosync.conf needs a nodelist with a nodeid for every node (knet requires one)',
    });
  }
  return out;
}
