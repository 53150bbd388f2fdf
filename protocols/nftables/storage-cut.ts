import { DELETE_HAVOC_TABLE, HAVOC_TABLE } from './havoc-table.js';

export interface StorageEndpoint {
  /** The storage server's IPv4 or IPv6 address. */
  address: string;
  /** Its TCP port (NBD 10809, iSCSI 3260, NFS 2049). */
  port: number;
}

const familyOf = (address: string) => (address.includes(':') ? 'ip6' : 'ip');

/**
 * On a host: its path to the storage server is cut. TCP to the server's port
 * is answered with a reset (the initiator sees the path fail now, as its own
 * timeout would report it later: QEMU's NBD client then fails the I/O, and a
 * disk with werror/rerror=stop pauses the VM); every other packet to and
 * from the server is dropped, except on lo: the reset reaches the host's
 * socket there, from the server's address, and dropping it would leave the
 * initiator retransmitting into the void. One transaction in havoc's table only.
 */
export function hostStorageCutScript(e: StorageEndpoint): string {
  const f = familyOf(e.address);
  return (
    DELETE_HAVOC_TABLE +
    `table ${HAVOC_TABLE} {\n` +
    '  chain storage-loss-in {\n' +
    '    type filter hook prerouting priority raw - 10; policy accept;\n' +
    // The reset the output chain makes is delivered to the host's own socket over lo, as from the server.
    '    iifname "lo" accept\n' +
    `    ${f} saddr ${e.address} drop\n` +
    '  }\n' +
    '  chain storage-loss-out {\n' +
    '    type filter hook output priority raw - 10; policy accept;\n' +
    `    ${f} daddr ${e.address} tcp dport ${e.port} reject with tcp reset\n` +
    `    ${f} daddr ${e.address} drop\n` +
    '  }\n' +
    '}\n'
  );
}

/**
 * On the storage server's side (a firewall in front of it, or its own
 * namespace): it stops serving. Every TCP packet to its port is answered
 * with a reset, so open sessions break at their next request and new ones
 * are refused; prerouting at raw - 10, before conntrack and routing.
 */
export function targetStorageCutScript(e: StorageEndpoint): string {
  const f = familyOf(e.address);
  return (
    DELETE_HAVOC_TABLE +
    `table ${HAVOC_TABLE} {\n` +
    '  chain storage-loss-target {\n' +
    '    type filter hook prerouting priority raw - 10; policy accept;\n' +
    `    ${f} daddr ${e.address} tcp dport ${e.port} reject with tcp reset\n` +
    '  }\n' +
    '}\n'
  );
}
