/*
 * The lab switch's agent: net-snmp snmpd in the switch namespace. It answers
 * IF-MIB from the namespace's own interfaces (a SET of ifAdminStatus really
 * takes a port down). net-snmp 5.9 does not read the kernel's interface alias,
 * so each port's ifAlias is served through an `override` line.
 */

const IF_ALIAS = '1.3.6.1.2.1.31.1.1.1.18';

export interface SnmpdConfigInput {
  listen: readonly string[];
  sysName: string;
  readCommunity: string;
  writeCommunity: string;
  v3: { user: string; authKey: string; privKey: string };
  ports: readonly { ifIndex: number; alias: string }[];
}

function quoted(s: string): string {
  return `"${s.replace(/["\\]/g, '\\$&')}"`;
}

export function snmpdConfig(c: SnmpdConfigInput): string {
  return [
    '# havoc lab switch agent; generated.',
    `agentAddress ${c.listen.map((a) => `udp:${a}:161`).join(',')}`,
    `sysName ${c.sysName}`,
    'sysLocation havoc lab',
    'sysDescr havoc lab switch (Linux bridges, net-snmp snmpd)',
    `rocommunity ${c.readCommunity} default`,
    `rwcommunity ${c.writeCommunity} default`,
    `createUser ${c.v3.user} SHA ${quoted(c.v3.authKey)} AES ${quoted(c.v3.privKey)}`,
    `rwuser ${c.v3.user} priv`,
    'dontLogTCPWrappersConnects yes',
    ...c.ports.map((p) => `override .${IF_ALIAS}.${p.ifIndex} octet_str ${quoted(p.alias)}`),
    '',
  ].join('\n');
}
