import { HavocError } from '../../core/errors.js';

/*
 * `corosync-cfgtool -s` (corosync 3, knet): per link, how this node sees each
 * node of the cluster. Format of corosync 3.1.7 (Debian bookworm), captured
 * from the HA lab (fixtures/cfgtool-s-*.txt):
 *
 *   Local node ID 1, transport knet
 *   LINK ID 0 udp
 *   	addr	= 198.19.28.11
 *   	status:
 *   		nodeid:          1:	localhost
 *   		nodeid:          2:	connected
 */

export interface CorosyncLinkPeer {
  nodeId: number;
  /** "localhost", "connected", "disconnected", or what a newer corosync prints (kept as it is). */
  state: string;
}

export interface CorosyncLink {
  linkId: number;
  transport: string;
  addr: string | undefined;
  peers: CorosyncLinkPeer[];
}

export interface CfgtoolStatus {
  localNodeId: number;
  transport: string;
  links: CorosyncLink[];
}

export function parseCfgtoolStatus(text: string, where = 'corosync-cfgtool -s'): CfgtoolStatus {
  const lines = text.split('\n');
  let localNodeId: number | undefined;
  let transport = '';
  const links: CorosyncLink[] = [];
  let link: CorosyncLink | undefined;
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line === 'status:') return;
    let m = /^Local node ID (\d+), transport (\S+)$/.exec(line);
    if (m) {
      localNodeId = Number(m[1]);
      transport = m[2] ?? '';
      return;
    }
    m = /^LINK ID (\d+)(?:\s+(\S+))?$/.exec(line);
    if (m) {
      link = { linkId: Number(m[1]), transport: m[2] ?? '', addr: undefined, peers: [] };
      links.push(link);
      return;
    }
    m = /^addr\s*=\s*(\S+)$/.exec(line);
    if (m && link) {
      link.addr = m[1];
      return;
    }
    m = /^nodeid:\s*(\d+):\s*(.+)$/.exec(line);
    if (m && link) {
      link.peers.push({ nodeId: Number(m[1]), state: (m[2] ?? '').trim() });
      return;
    }
    throw new HavocError('corosync-parse', `${where}: line ${i + 1}: unexpected ${JSON.stringify(line)}`, {
      hint: 'havoc reads corosync 3 (knet) status; is this corosync 2 (totem rings)?',
    });
  });
  if (localNodeId === undefined) {
    throw new HavocError('corosync-parse', `${where}: no "Local node ID" line`, {
      hint: 'is corosync running on this node?',
    });
  }
  return { localNodeId, transport, links };
}
