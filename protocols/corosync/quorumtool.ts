import { HavocError } from '../../core/errors.js';

/*
 * `corosync-quorumtool -s` (corosync 3.1.7 votequorum), captured from the HA
 * lab (fixtures/quorumtool-s-*.txt). It exits non-zero when the partition is
 * not quorate and still prints the status, so the caller passes the text
 * whatever the exit code.
 */

export interface QuorumMember {
  nodeId: number;
  votes: number;
  name: string;
}

export interface QuorumStatus {
  nodeId: number;
  /** Members of this node's partition. */
  nodes: number;
  ringId: string;
  quorate: boolean;
  expectedVotes: number;
  totalVotes: number;
  quorum: number;
  flags: string[];
  members: QuorumMember[];
}

export function parseQuorumtoolStatus(text: string, where = 'corosync-quorumtool -s'): QuorumStatus {
  const field = (name: string): string => {
    const m = new RegExp(`^${name}:\\s*(.*?)\\s*$`, 'm').exec(text);
    if (!m) {
      throw new HavocError('corosync-parse', `${where}: no "${name}:" line`, {
        hint: 'is corosync running with votequorum on this node?',
      });
    }
    return m[1] ?? '';
  };
  const int = (name: string): number => {
    const v = field(name);
    if (!/^\d+$/.test(v)) throw new HavocError('corosync-parse', `${where}: "${name}: ${v}" is not a number`);
    return Number(v);
  };
  const quorateText = field('Quorate');
  if (quorateText !== 'Yes' && quorateText !== 'No') {
    throw new HavocError('corosync-parse', `${where}: "Quorate: ${quorateText}" is neither Yes nor No`);
  }
  const members: QuorumMember[] = [];
  const table = text.split(/^\s*Nodeid\s+Votes\s+(?:Qdevice\s+)?Name\s*$/m)[1] ?? '';
  for (const line of table.split('\n')) {
    const m = /^\s*(\d+)\s+(\d+)\s+(?:(?:A|NA|NV|NR|NMW)(?:,\S+)*\s+)?(\S+)/.exec(line);
    if (m) members.push({ nodeId: Number(m[1]), votes: Number(m[2]), name: m[3] ?? '' });
  }
  return {
    nodeId: int('Node ID'),
    nodes: int('Nodes'),
    ringId: field('Ring ID'),
    quorate: quorateText === 'Yes',
    expectedVotes: int('Expected votes'),
    totalVotes: int('Total votes'),
    quorum: int('Quorum'),
    flags: field('Flags').split(/\s+/).filter(Boolean),
    members,
  };
}
