import { decodeLacpStateBits, type LacpPortState as LacpState } from '../../protocols/lacp/port-state.js';
import { singleIndex } from '../../protocols/snmp/oid.js';
import {
  type AdminState,
  adminState,
  dot3adAggPortTable,
  ifTable,
  ifXTable,
  type OperState,
  operState,
} from '../../protocols/snmp/oids.js';
import { loadPortNames, type PortLookupCache, readAgentStamp } from '../../protocols/snmp/port-lookup.js';
import type { ColumnValues, SnmpSession } from '../../protocols/snmp/session.js';
import {
  asCounter64,
  asNumber,
  asOctets,
  formatMac,
  type RawVarbind,
} from '../../protocols/snmp/varbind-values.js';

/*
 * One scrape of a switch as plain data: what the agent said, decoded, and
 * nothing about Prometheus. The counters are walked on every scrape; the
 * port names come from the caller's PortLookupCache unless the agent says
 * its interfaces changed. All tables go out at once, under the session's
 * per-device concurrency cap.
 */

export interface LacpPortSnapshot {
  /** ifIndex of the aggregator the port is attached to; 0: none. */
  attachedAggregator: number | undefined;
  actor: LacpState | undefined;
  partner: LacpState | undefined;
  partnerSystemId: string | undefined;
  partnerKey: number | undefined;
}

export interface SwitchPortSnapshot {
  ifIndex: number;
  name: string;
  descr: string;
  alias: string;
  admin: AdminState | undefined;
  oper: OperState | undefined;
  mtuBytes: number | undefined;
  /** ifHighSpeed (Mb/s) in bits per second; ifSpeed tops out at 4.29 Gb/s. */
  speedBitsPerSecond: number | undefined;
  receiveBytes: bigint | undefined;
  transmitBytes: bigint | undefined;
  receiveUnicastPackets: bigint | undefined;
  transmitUnicastPackets: bigint | undefined;
  receiveErrors: number | undefined;
  transmitErrors: number | undefined;
  receiveDiscards: number | undefined;
  transmitDiscards: number | undefined;
  /** undefined when the agent has no IEEE8023-LAG-MIB row for the port. */
  lacp: LacpPortSnapshot | undefined;
}

export interface SwitchSnapshot {
  sysUpTimeTicks: number;
  ports: SwitchPortSnapshot[];
  /** The port names came from the cache (no ifName/ifDescr/ifAlias walk this scrape). */
  namesCached: boolean;
}

/** Walked every scrape. */
export const COUNTER_COLUMNS = [
  ifTable.ifAdminStatus,
  ifTable.ifOperStatus,
  ifTable.ifMtu,
  ifTable.ifInDiscards,
  ifTable.ifInErrors,
  ifTable.ifOutDiscards,
  ifTable.ifOutErrors,
  ifXTable.ifHCInOctets,
  ifXTable.ifHCInUcastPkts,
  ifXTable.ifHCOutOctets,
  ifXTable.ifHCOutUcastPkts,
  ifXTable.ifHighSpeed,
] as const;

export const LAG_COLUMNS = [
  dot3adAggPortTable.attachedAggId,
  dot3adAggPortTable.actorOperState,
  dot3adAggPortTable.partnerOperState,
  dot3adAggPortTable.partnerOperSystemId,
  dot3adAggPortTable.partnerOperKey,
] as const;

export async function collectSwitch(
  session: SnmpSession,
  names: PortLookupCache,
  signal: AbortSignal,
): Promise<SwitchSnapshot> {
  const loadNames = async () => {
    const stamp = await readAgentStamp(session, signal);
    return { stamp, ...(await loadPortNames(session, names, stamp, signal)) };
  };
  let [columns, named] = await Promise.all([
    session.walkColumns([...COUNTER_COLUMNS, ...LAG_COLUMNS], signal),
    loadNames(),
  ]);
  const indexes = ifIndexesOf(columns.get(ifTable.ifAdminStatus));
  if (named.cached && !sameKeys(indexes, named.ports)) {
    // Interfaces came or went without the stamp showing it: trust the walk.
    names.invalidate();
    named = await loadNames();
  }
  const ports = [...indexes]
    .sort((a, b) => a - b)
    .map((ifIndex) => portSnapshot(ifIndex, columns, named.ports.get(ifIndex)));
  return { sysUpTimeTicks: named.stamp.sysUpTime, ports, namesCached: named.cached };
}

function ifIndexesOf(rows: Map<string, RawVarbind> | undefined): Set<number> {
  const out = new Set<number>();
  for (const suffix of rows?.keys() ?? []) {
    const i = singleIndex(suffix);
    if (i !== undefined) out.add(i);
  }
  return out;
}

function sameKeys(a: Set<number>, b: Map<number, unknown>): boolean {
  if (a.size !== b.size) return false;
  for (const k of a) if (!b.has(k)) return false;
  return true;
}

function portSnapshot(
  ifIndex: number,
  columns: ColumnValues,
  names: { name: string; descr: string; alias: string } | undefined,
): SwitchPortSnapshot {
  const vb = (column: string) => columns.get(column)?.get(String(ifIndex));
  const num = (column: string) => {
    const v = vb(column);
    return v ? asNumber(v) : undefined;
  };
  const c64 = (column: string) => {
    const v = vb(column);
    return v ? asCounter64(v) : undefined;
  };
  const octets = (column: string) => {
    const v = vb(column);
    return v ? asOctets(v) : undefined;
  };
  const admin = num(ifTable.ifAdminStatus);
  const oper = num(ifTable.ifOperStatus);
  const highSpeed = num(ifXTable.ifHighSpeed);
  const hasLag = LAG_COLUMNS.some((c) => vb(c) !== undefined);
  const actor = octets(dot3adAggPortTable.actorOperState);
  const partner = octets(dot3adAggPortTable.partnerOperState);
  const partnerSystem = octets(dot3adAggPortTable.partnerOperSystemId);
  return {
    ifIndex,
    name: names?.name ?? '',
    descr: names?.descr ?? '',
    alias: names?.alias ?? '',
    admin: admin === undefined ? undefined : adminState(admin),
    oper: oper === undefined ? undefined : operState(oper),
    mtuBytes: num(ifTable.ifMtu),
    speedBitsPerSecond: highSpeed === undefined ? undefined : highSpeed * 1_000_000,
    receiveBytes: c64(ifXTable.ifHCInOctets),
    transmitBytes: c64(ifXTable.ifHCOutOctets),
    receiveUnicastPackets: c64(ifXTable.ifHCInUcastPkts),
    transmitUnicastPackets: c64(ifXTable.ifHCOutUcastPkts),
    receiveErrors: num(ifTable.ifInErrors),
    transmitErrors: num(ifTable.ifOutErrors),
    receiveDiscards: num(ifTable.ifInDiscards),
    transmitDiscards: num(ifTable.ifOutDiscards),
    lacp: hasLag
      ? {
          attachedAggregator: num(dot3adAggPortTable.attachedAggId),
          actor: actor ? decodeLacpStateBits(actor) : undefined,
          partner: partner ? decodeLacpStateBits(partner) : undefined,
          partnerSystemId: partnerSystem ? formatMac(partnerSystem) : undefined,
          partnerKey: num(dot3adAggPortTable.partnerOperKey),
        }
      : undefined,
  };
}
