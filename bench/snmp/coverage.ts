import type { SwitchPortSnapshot, SwitchSnapshot } from '../../exporters/collectors/switch-snapshot.js';

/*
 * Coverage as a set of (IF-MIB object, ifIndex) pairs, computed from both
 * sides' real output: snmp_exporter's exposition text and havoc's snapshot.
 */

const HAVOC_FIELDS: [keyof SwitchPortSnapshot, string][] = [
  ['admin', 'ifAdminStatus'],
  ['oper', 'ifOperStatus'],
  ['mtuBytes', 'ifMtu'],
  ['speedBitsPerSecond', 'ifHighSpeed'],
  ['receiveBytes', 'ifHCInOctets'],
  ['transmitBytes', 'ifHCOutOctets'],
  ['receiveUnicastPackets', 'ifHCInUcastPkts'],
  ['transmitUnicastPackets', 'ifHCOutUcastPkts'],
  ['receiveErrors', 'ifInErrors'],
  ['transmitErrors', 'ifOutErrors'],
  ['receiveDiscards', 'ifInDiscards'],
  ['transmitDiscards', 'ifOutDiscards'],
];

export function havocCoverage(snapshot: SwitchSnapshot): Set<string> {
  const pairs = new Set<string>();
  for (const port of snapshot.ports) {
    for (const [field, object] of HAVOC_FIELDS)
      if (port[field] !== undefined) pairs.add(`${object}|${port.ifIndex}`);
    // The names are in havoc_switch_port_info, one series per port.
    pairs.add(`ifName|${port.ifIndex}`);
    pairs.add(`ifDescr|${port.ifIndex}`);
    pairs.add(`ifAlias|${port.ifIndex}`);
  }
  return pairs;
}

export function exporterCoverage(text: string): Set<string> {
  const pairs = new Set<string>();
  for (const line of text.split('\n')) {
    const m = /^(if[A-Za-z0-9]+)\{([^}]*)\} /.exec(line);
    if (!m?.[1] || !m[2]) continue;
    const index = /ifIndex="(\d+)"/.exec(m[2])?.[1];
    if (!index) continue;
    pairs.add(`${m[1]}|${index}`);
    // Lookups are labels on every series there.
    for (const label of ['ifName', 'ifDescr', 'ifAlias'])
      if (m[2].includes(`${label}=`)) pairs.add(`${label}|${index}`);
  }
  return pairs;
}

export function difference(a: Set<string>, b: Set<string>): string[] {
  return [...a].filter((x) => !b.has(x));
}
