import { DELETE_HAVOC_TABLE, type DropPeers, HAVOC_TABLE } from './havoc-table.js';
import { inOutChains } from './traffic-match.js';

/**
 * The bucket depth of a byte limit. A packet larger than the bucket is
 * always over the limit, and segmentation offload hands the hooks skbs of up
 * to 64 KiB on a veth or a NIC with TSO/GRO, so the bucket holds at least
 * that; beyond it, a quarter of a second of the rate.
 */
export function rateLimitBurstKbytes(kbytesPerSecond: number): number {
  return Math.max(64, Math.ceil(kbytesPerSecond / 4));
}

/**
 * havoc's table dropping what exceeds `kbytesPerSecond` (nftables' kbytes:
 * 1024 bytes) on the way in and, separately, on the way out of the host's
 * own addresses on one network, optionally only toward `peers`. One token
 * bucket per direction, shared by every flow of that direction.
 */
export function rateLimitScript(own: DropPeers, kbytesPerSecond: number, peers?: DropPeers): string {
  if (!Number.isInteger(kbytesPerSecond) || kbytesPerSecond < 1)
    throw new Error(`a rate limit must be a whole number of kbytes/second, got ${kbytesPerSecond}`);
  const burst = rateLimitBurstKbytes(kbytesPerSecond);
  return (
    DELETE_HAVOC_TABLE +
    `table ${HAVOC_TABLE} {\n` +
    inOutChains(
      'bandwidth',
      own,
      peers,
      `limit rate over ${kbytesPerSecond} kbytes/second burst ${burst} kbytes drop`,
    ) +
    '}\n'
  );
}
