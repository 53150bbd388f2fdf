import { DELETE_HAVOC_TABLE, type DropPeers, HAVOC_TABLE } from './havoc-table.js';
import { inOutChains } from './traffic-match.js';

/**
 * havoc's table dropping `percent` % of the packets to and from the host's
 * own addresses on one network (optionally only those exchanged with
 * `peers`), each packet drawn at random by the kernel (`numgen random`), in
 * each direction independently: a round trip is lost with 1 - (1 - p)^2.
 * One transaction; nothing outside havoc's table is touched.
 */
export function packetLossScript(own: DropPeers, percent: number, peers?: DropPeers): string {
  if (!Number.isInteger(percent) || percent < 1 || percent > 99)
    throw new Error(`packet loss must be a whole percentage 1-99, got ${percent}`);
  return (
    DELETE_HAVOC_TABLE +
    `table ${HAVOC_TABLE} {\n` +
    inOutChains('packet-loss', own, peers, `numgen random mod 100 < ${percent} drop`) +
    '}\n'
  );
}
