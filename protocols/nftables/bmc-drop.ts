import { DELETE_HAVOC_TABLE, HAVOC_TABLE } from './havoc-table.js';

export interface BmcEndpoint {
  /** An IPv4 or IPv6 address (nftables matches addresses, not names). */
  address: string;
  protocol: 'udp' | 'tcp';
  port: number;
}

/**
 * The script that (re)creates havoc's table dropping every packet to one BMC
 * endpoint that reaches this namespace, in one transaction; nothing else is
 * touched. Prerouting at raw - 10: before conntrack, so a BMC session already
 * open is cut too, and before the routing decision, so it holds whether the
 * BMC is local to the namespace or routed through it.
 */
export function bmcDropScript(e: BmcEndpoint): string {
  const family = e.address.includes(':') ? 'ip6' : 'ip';
  return (
    DELETE_HAVOC_TABLE +
    `table ${HAVOC_TABLE} {\n` +
    '  chain bmc-dead {\n' +
    '    type filter hook prerouting priority raw - 10; policy accept;\n' +
    `    ${family} daddr ${e.address} ${e.protocol} dport ${e.port} drop\n` +
    '  }\n' +
    '}\n'
  );
}
