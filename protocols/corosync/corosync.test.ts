import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCfgtoolStatus, parseNodelist, parseQuorumtoolStatus } from './index.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

describe('corosync-cfgtool -s (corosync 3.1.7 knet, captured from the HA lab)', () => {
  it('reads both links of a healthy two-node cluster', () => {
    expect(parseCfgtoolStatus(fixture('cfgtool-s-healthy.txt'))).toEqual({
      localNodeId: 1,
      transport: 'knet',
      links: [
        {
          linkId: 0,
          transport: 'udp',
          addr: '198.19.28.11',
          peers: [
            { nodeId: 1, state: 'localhost' },
            { nodeId: 2, state: 'connected' },
          ],
        },
        {
          linkId: 1,
          transport: 'udp',
          addr: '198.19.24.11',
          peers: [
            { nodeId: 1, state: 'localhost' },
            { nodeId: 2, state: 'connected' },
          ],
        },
      ],
    });
  });

  it('sees link 0 disconnected while link 1 stays connected (heartbeat NIC down on host1)', () => {
    const s = parseCfgtoolStatus(fixture('cfgtool-s-link0-down.txt'));
    expect(s.links.map((l) => [l.linkId, l.peers.find((p) => p.nodeId === 2)?.state])).toEqual([
      [0, 'disconnected'],
      [1, 'connected'],
    ]);
  });

  it('sees every link to a powered-off peer disconnected (host2 view)', () => {
    const s = parseCfgtoolStatus(fixture('cfgtool-s-peer-powered-off.txt'));
    expect(s.localNodeId).toBe(2);
    expect(s.links.flatMap((l) => l.peers.filter((p) => p.nodeId === 1).map((p) => p.state))).toEqual([
      'disconnected',
      'disconnected',
    ]);
  });

  it('rejects corosync 2 ring output and an empty answer, naming the line', () => {
    expect(() =>
      parseCfgtoolStatus(
        'Printing ring status.\nLocal node ID 1\nRING ID 0\n\tid\t= 10.0.0.1\n\tstatus\t= ring 0 active with no faults\n',
      ),
    ).toThrow(/line 1: unexpected "Printing ring status."/);
    expect(() => parseCfgtoolStatus('')).toThrow(/no "Local node ID" line/);
  });
});

describe('corosync-quorumtool -s (captured from the HA lab)', () => {
  it('reads quorum, votes, flags and members', () => {
    expect(parseQuorumtoolStatus(fixture('quorumtool-s-healthy.txt'))).toEqual({
      nodeId: 1,
      nodes: 2,
      ringId: '1.9',
      quorate: true,
      expectedVotes: 2,
      totalVotes: 2,
      quorum: 1,
      flags: ['2Node', 'Quorate', 'WaitForAll'],
      members: [
        { nodeId: 1, votes: 1, name: 'host1' },
        { nodeId: 2, votes: 1, name: 'host2' },
      ],
    });
  });

  it('reads a partition that lost its peer (two_node keeps quorum)', () => {
    const q = parseQuorumtoolStatus(fixture('quorumtool-s-peer-gone.txt'));
    expect([q.nodes, q.totalVotes, q.quorate, q.members.map((m) => m.name)]).toEqual([1, 1, true, ['host2']]);
  });

  it('reads Quorate: No, and rejects a status without it', () => {
    const lost = fixture('quorumtool-s-peer-gone.txt').replace(
      'Quorate:          Yes',
      'Quorate:          No',
    );
    expect(parseQuorumtoolStatus(lost).quorate).toBe(false);
    expect(() => parseQuorumtoolStatus('Cannot initialize QUORUM service\n')).toThrow(/no "Quorate:" line/);
  });
});

describe('corosync-cmapctl -b nodelist.node (captured from the HA lab)', () => {
  it('maps node ids to names', () => {
    expect([...parseNodelist(fixture('cmapctl-nodelist.txt'))]).toEqual([
      [1, 'host1'],
      [2, 'host2'],
    ]);
  });

  it('rejects garbage and an empty nodelist', () => {
    expect(() => parseNodelist('Failed to initialize the cmap API. Error CS_ERR_LIBRARY\n')).toThrow(
      /line 1/,
    );
    expect(() => parseNodelist('\n')).toThrow(/no nodelist.node.N.nodeid/);
  });
});
