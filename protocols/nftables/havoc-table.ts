/**
 * havoc's own nftables table. Faults put their rules here and nowhere else:
 * never a flush of the ruleset, never a rule in another table (Jepsen's heal
 * flushes every iptables chain and breaks hosts that use them). A drop in any
 * base chain is final, so an accept in another table cannot let the traffic
 * through.
 */
export const HAVOC_TABLE = 'inet havoc';

// Declaring the table first makes the delete succeed whether or not it existed,
// so both scripts work on a host in any state, and `nft -f` applies each atomically.
const RESET = `table ${HAVOC_TABLE} {}\ndelete table ${HAVOC_TABLE}\n`;

/** The script that removes havoc's table; a no-op where there is none. */
export const DELETE_HAVOC_TABLE = RESET;

export interface DropPeers {
  v4: readonly string[];
  v6: readonly string[];
}

/**
 * The script that (re)creates havoc's table dropping every packet from and to
 * the peers' addresses, in one transaction. Priority raw - 10 puts the drop
 * before connection tracking, so established flows are cut too.
 */
export function partitionScript(peers: DropPeers): string {
  if (peers.v4.length + peers.v6.length === 0) throw new Error('a partition needs at least one peer address');
  const rules = (dir: 'saddr' | 'daddr') =>
    [
      peers.v4.length > 0 ? `    ip ${dir} { ${peers.v4.join(', ')} } drop\n` : '',
      peers.v6.length > 0 ? `    ip6 ${dir} { ${peers.v6.join(', ')} } drop\n` : '',
    ].join('');
  return (
    RESET +
    `table ${HAVOC_TABLE} {\n` +
    '  chain partition-in {\n' +
    '    type filter hook prerouting priority raw - 10; policy accept;\n' +
    rules('saddr') +
    '  }\n' +
    '  chain partition-out {\n' +
    '    type filter hook output priority raw - 10; policy accept;\n' +
    rules('daddr') +
    '  }\n' +
    '}\n'
  );
}
