/*
 * Numeric OIDs: no MIB files are installed on the machines havoc runs on, so
 * nothing here is resolved by name. Columns are the table entry OID plus the
 * column number; an instance is the column plus ".<ifIndex>".
 */

export const SYS_UPTIME = '1.3.6.1.2.1.1.3.0';
export const IF_NUMBER = '1.3.6.1.2.1.2.1.0';
/** IF-MIB ifTableLastChange: sysUpTime at the last row creation or deletion in ifTable/ifXTable. */
export const IF_TABLE_LAST_CHANGE = '1.3.6.1.2.1.31.1.5.0';

const IF_ENTRY = '1.3.6.1.2.1.2.2.1';
const IFX_ENTRY = '1.3.6.1.2.1.31.1.1.1';

/** IF-MIB ifTable (RFC 2863). */
export const ifTable = {
  ifDescr: `${IF_ENTRY}.2`,
  ifType: `${IF_ENTRY}.3`,
  ifMtu: `${IF_ENTRY}.4`,
  ifSpeed: `${IF_ENTRY}.5`,
  ifPhysAddress: `${IF_ENTRY}.6`,
  ifAdminStatus: `${IF_ENTRY}.7`,
  ifOperStatus: `${IF_ENTRY}.8`,
  ifInDiscards: `${IF_ENTRY}.13`,
  ifInErrors: `${IF_ENTRY}.14`,
  ifOutDiscards: `${IF_ENTRY}.19`,
  ifOutErrors: `${IF_ENTRY}.20`,
} as const;

/** IF-MIB ifXTable (RFC 2863). */
export const ifXTable = {
  ifName: `${IFX_ENTRY}.1`,
  ifHCInOctets: `${IFX_ENTRY}.6`,
  ifHCInUcastPkts: `${IFX_ENTRY}.7`,
  ifHCOutOctets: `${IFX_ENTRY}.10`,
  ifHCOutUcastPkts: `${IFX_ENTRY}.11`,
  ifHighSpeed: `${IFX_ENTRY}.15`,
  ifAlias: `${IFX_ENTRY}.18`,
} as const;

/*
 * IEEE8023-LAG-MIB dot3adAggPortTable = lagMIB(1.2.840.10006.300.43) .1 (lagMIBObjects)
 * .2 (dot3adAggPort) .1 (table) .1 (entry), indexed by the member port's ifIndex.
 * Column numbers checked against the MIB text in librenms/librenms
 * mibs/IEEE8023-LAG-MIB (Dot3adAggPortEntry): 22 is PartnerAdminState, not the
 * partner's operational state, which is 23.
 */
const AGG_PORT_ENTRY = '1.2.840.10006.300.43.1.2.1.1';
export const dot3adAggPortTable = {
  actorOperKey: `${AGG_PORT_ENTRY}.5`,
  partnerOperSystemId: `${AGG_PORT_ENTRY}.9`,
  partnerOperKey: `${AGG_PORT_ENTRY}.11`,
  selectedAggId: `${AGG_PORT_ENTRY}.12`,
  attachedAggId: `${AGG_PORT_ENTRY}.13`,
  actorOperState: `${AGG_PORT_ENTRY}.21`,
  partnerOperState: `${AGG_PORT_ENTRY}.23`,
} as const;

/** ifAdminStatus values (RFC 2863), in enum order, so index + 1 is the wire value. */
export const ADMIN_STATES = ['up', 'down', 'testing'] as const;
export type AdminState = (typeof ADMIN_STATES)[number];

/** ifOperStatus values (RFC 2863), in enum order. */
export const OPER_STATES = [
  'up',
  'down',
  'testing',
  'unknown',
  'dormant',
  'notPresent',
  'lowerLayerDown',
] as const;
export type OperState = (typeof OPER_STATES)[number];

export const ADMIN_UP = 1;
export const ADMIN_DOWN = 2;

export function adminState(value: number): AdminState | undefined {
  return ADMIN_STATES[value - 1];
}

export function operState(value: number): OperState | undefined {
  return OPER_STATES[value - 1];
}

/** "1.3.6.1.2.1.2.2.1.7.12" -> "ifAdminStatus.12", for error messages a person can read. */
export function describeOid(oid: string): string {
  for (const table of [ifTable, ifXTable, dot3adAggPortTable]) {
    for (const [name, column] of Object.entries(table)) {
      if (oid === column) return name;
      if (oid.startsWith(`${column}.`)) return `${name}${oid.slice(column.length)}`;
    }
  }
  if (oid === SYS_UPTIME) return 'sysUpTime.0';
  if (oid === IF_TABLE_LAST_CHANGE) return 'ifTableLastChange.0';
  if (oid === IF_NUMBER) return 'ifNumber.0';
  return oid;
}
