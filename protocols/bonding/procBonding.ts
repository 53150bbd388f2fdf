import { HavocError } from '../../core/errors.js';
import { decodeLacpPortState, type LacpPortState } from '../lacp/port-state.js';

export const BOND_MODES = [
  'balance-rr',
  'active-backup',
  'balance-xor',
  'broadcast',
  '802.3ad',
  'balance-tlb',
  'balance-alb',
] as const;
export type BondMode = (typeof BOND_MODES)[number];

/** Link states the kernel prints for a bond or slave (bond_slave_link_status). */
export const MII_STATUSES = ['up', 'down', 'going down', 'going back'] as const;
export type MiiStatus = (typeof MII_STATUSES)[number];

// The descriptive names from bond_mode_name() in drivers/net/bonding/bond_main.c.
const MODE_NAMES: ReadonlyArray<readonly [string, BondMode]> = [
  ['load balancing (round-robin)', 'balance-rr'],
  ['fault-tolerance (active-backup)', 'active-backup'],
  ['load balancing (xor)', 'balance-xor'],
  ['fault-tolerance (broadcast)', 'broadcast'],
  ['IEEE 802.3ad Dynamic link aggregation', '802.3ad'],
  ['transmit load balancing', 'balance-tlb'],
  ['adaptive load balancing', 'balance-alb'],
];

export interface LacpPdu {
  systemPriority: number;
  systemMac: string;
  /** "port key" for the actor, "oper key" for the partner. */
  key: number;
  portPriority: number;
  portNumber: number;
  portState: number;
  portStateBits: LacpPortState;
}

export interface BondSlave {
  name: string;
  miiStatus: MiiStatus;
  /** undefined when the kernel prints "Unknown" or omits the line (old kernels). */
  speedMbps: number | undefined;
  duplex: 'full' | 'half' | undefined;
  linkFailureCount: number;
  /** undefined when the kernel prints an empty address. */
  permanentHwAddr: string | undefined;
  queueId: number | undefined;
  /** undefined for "N/A" (no aggregator) and outside 802.3ad. */
  aggregatorId: number | undefined;
  actorChurnState: string | undefined;
  partnerChurnState: string | undefined;
  actorChurnedCount: number | undefined;
  partnerChurnedCount: number | undefined;
  actorLacpPdu: LacpPdu | undefined;
  partnerLacpPdu: LacpPdu | undefined;
  /** Lines this parser has no field for, kept verbatim (newer kernels add some). */
  extra: Record<string, string>;
}

export interface ActiveAggregator {
  aggregatorId: number;
  numberOfPorts: number;
  actorKey: number;
  partnerKey: number;
  partnerMac: string;
}

export interface BondAdInfo {
  lacpRate: 'slow' | 'fast' | undefined;
  lacpActive: boolean | undefined;
  minLinks: number | undefined;
  adSelect: string | undefined;
  systemPriority: number | undefined;
  systemMac: string | undefined;
  /** undefined when the kernel says "bond X has no active aggregator". */
  activeAggregator: ActiveAggregator | undefined;
}

export interface BondStatus {
  driverVersion: string | undefined;
  mode: BondMode;
  /** The mode line as printed, e.g. "fault-tolerance (active-backup) (fail_over_mac active)". */
  modeText: string;
  transmitHashPolicy: string | undefined;
  miiStatus: MiiStatus;
  miiPollingIntervalMs: number | undefined;
  upDelayMs: number | undefined;
  downDelayMs: number | undefined;
  primarySlave: string | undefined;
  activeSlave: string | undefined;
  /** Present in 802.3ad mode only. */
  ad: BondAdInfo | undefined;
  slaves: BondSlave[];
  extra: Record<string, string>;
}

export const ZERO_MAC = '00:00:00:00:00:00';

type Block = 'bond' | 'aggregator' | 'slave' | 'actor-pdu' | 'partner-pdu';

interface Cursor {
  source: string;
  lineNo: number;
  line: string;
}

function fail(at: Cursor, expected: string): never {
  throw new HavocError(
    'bonding-parse',
    `${at.source} line ${at.lineNo}: expected ${expected}, got ${JSON.stringify(at.line.trim())}`,
    { hint: 'pass the full content of /proc/net/bonding/<bond>' },
  );
}

function toInt(at: Cursor, field: string, value: string): number {
  if (!/^-?\d+$/.test(value)) fail(at, `an integer for "${field}"`);
  return Number(value);
}

function toMac(at: Cursor, field: string, value: string): string {
  const mac = value.toLowerCase();
  if (!/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(mac)) fail(at, `a MAC address for "${field}"`);
  return mac;
}

function toMii(at: Cursor, value: string): MiiStatus {
  const found = MII_STATUSES.find((s) => s === value);
  if (!found) fail(at, `an MII status (${MII_STATUSES.join(', ')})`);
  return found;
}

function toMode(at: Cursor, value: string): BondMode {
  const found = MODE_NAMES.find(([name]) => value.startsWith(name));
  if (!found) fail(at, `a known bonding mode (${MODE_NAMES.map(([n]) => n).join('; ')})`);
  return found[1];
}

function emptyAd(): BondAdInfo {
  return {
    lacpRate: undefined,
    lacpActive: undefined,
    minLinks: undefined,
    adSelect: undefined,
    systemPriority: undefined,
    systemMac: undefined,
    activeAggregator: undefined,
  };
}

function newSlave(name: string): BondSlave {
  return {
    name,
    miiStatus: 'down',
    speedMbps: undefined,
    duplex: undefined,
    linkFailureCount: 0,
    permanentHwAddr: undefined,
    queueId: undefined,
    aggregatorId: undefined,
    actorChurnState: undefined,
    partnerChurnState: undefined,
    actorChurnedCount: undefined,
    partnerChurnedCount: undefined,
    actorLacpPdu: undefined,
    partnerLacpPdu: undefined,
    extra: {},
  };
}

type PduDraft = Partial<Omit<LacpPdu, 'portStateBits'>>;

function finishPdu(at: Cursor, draft: PduDraft, which: string): LacpPdu {
  const { systemPriority, systemMac, key, portPriority, portNumber, portState } = draft;
  if (
    systemPriority === undefined ||
    systemMac === undefined ||
    key === undefined ||
    portPriority === undefined ||
    portNumber === undefined ||
    portState === undefined
  ) {
    fail(
      at,
      `a complete "details ${which} lacp pdu" block (system priority, system mac address, key, port priority, port number, port state)`,
    );
  }
  return {
    systemPriority,
    systemMac,
    key,
    portPriority,
    portNumber,
    portState,
    portStateBits: decodeLacpPortState(portState),
  };
}

/**
 * Parses the text of /proc/net/bonding/<bond> (drivers/net/bonding/bond_procfs.c).
 * Unknown "key: value" lines are kept in `extra`; anything else that is not
 * the bonding format is an error naming the line.
 */
export function parseProcBonding(text: string, bondName = 'bond'): BondStatus {
  const source = `/proc/net/bonding/${bondName}`;
  const lines = text.split(/\r?\n/);
  let mode: BondMode | undefined;
  let modeText = '';
  let miiStatus: MiiStatus | undefined;
  const bond: Omit<BondStatus, 'mode' | 'modeText' | 'miiStatus'> = {
    driverVersion: undefined,
    transmitHashPolicy: undefined,
    miiPollingIntervalMs: undefined,
    upDelayMs: undefined,
    downDelayMs: undefined,
    primarySlave: undefined,
    activeSlave: undefined,
    ad: undefined,
    slaves: [],
    extra: {},
  };
  let block: Block = 'bond';
  let slave: BondSlave | undefined;
  let aggregator: Partial<ActiveAggregator> = {};
  let pdu: PduDraft = {};
  let lastCursor: Cursor = { source, lineNo: 0, line: '' };
  const slavesWithMii = new Set<BondSlave>();
  let sawHeader = false;

  const closeSubBlock = (at: Cursor) => {
    if (block === 'aggregator') {
      const { aggregatorId, numberOfPorts, actorKey, partnerKey, partnerMac } = aggregator;
      if (
        aggregatorId === undefined ||
        numberOfPorts === undefined ||
        actorKey === undefined ||
        partnerKey === undefined ||
        partnerMac === undefined
      ) {
        fail(at, 'a complete "Active Aggregator Info" block');
      }
      bond.ad ??= emptyAd();
      bond.ad.activeAggregator = { aggregatorId, numberOfPorts, actorKey, partnerKey, partnerMac };
      block = 'bond';
    } else if (block === 'actor-pdu' || block === 'partner-pdu') {
      if (!slave) fail(at, 'an LACP PDU block inside a slave');
      if (block === 'actor-pdu') slave.actorLacpPdu = finishPdu(at, pdu, 'actor');
      else slave.partnerLacpPdu = finishPdu(at, pdu, 'partner');
      block = 'slave';
    }
  };

  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] ?? '';
    const at: Cursor = { source, lineNo: i + 1, line: raw };
    if (raw.trim() === '') continue;
    lastCursor = at;
    const indented = /^\s/.test(raw);
    const line = raw.trim();

    if (!sawHeader) {
      if (!line.startsWith('Ethernet Channel Bonding Driver:')) {
        fail(at, 'the "Ethernet Channel Bonding Driver:" header that starts /proc/net/bonding files');
      }
      sawHeader = true;
    }
    const inSubBlock = block === 'aggregator' || block === 'actor-pdu' || block === 'partner-pdu';
    if (!indented && inSubBlock) closeSubBlock(at);
    if (indented && !inSubBlock)
      fail(at, 'an unindented line (indentation only occurs inside aggregator and LACP PDU blocks)');

    if (line === '802.3ad info') {
      bond.ad ??= emptyAd();
      continue;
    }
    if (/^bond \S+ has no active aggregator$/.test(line)) {
      bond.ad ??= emptyAd();
      continue;
    }
    if (line === 'Active Aggregator Info:') {
      aggregator = {};
      block = 'aggregator';
      continue;
    }
    if (line === 'details actor lacp pdu:' || line === 'details partner lacp pdu:') {
      if (!slave) fail(at, 'LACP PDU details only after a "Slave Interface:" line');
      pdu = {};
      block = line.startsWith('details actor') ? 'actor-pdu' : 'partner-pdu';
      continue;
    }

    const colon = line.indexOf(':');
    if (colon <= 0) fail(at, 'a "key: value" line');
    const key = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();

    if (key === 'Ethernet Channel Bonding Driver') {
      bond.driverVersion = value;
      continue;
    }
    if (key === 'Slave Interface') {
      if (!value) fail(at, 'a slave name after "Slave Interface:"');
      slave = newSlave(value);
      bond.slaves.push(slave);
      block = 'slave';
      continue;
    }

    if (block === 'aggregator') {
      if (key === 'Aggregator ID') aggregator.aggregatorId = toInt(at, key, value);
      else if (key === 'Number of ports') aggregator.numberOfPorts = toInt(at, key, value);
      else if (key === 'Actor Key') aggregator.actorKey = toInt(at, key, value);
      else if (key === 'Partner Key') aggregator.partnerKey = toInt(at, key, value);
      else if (key === 'Partner Mac Address') aggregator.partnerMac = toMac(at, key, value);
      else fail(at, 'an "Active Aggregator Info" field');
      continue;
    }

    if (block === 'actor-pdu' || block === 'partner-pdu') {
      if (key === 'system priority') pdu.systemPriority = toInt(at, key, value);
      else if (key === 'system mac address') pdu.systemMac = toMac(at, key, value);
      else if (key === 'port key' || key === 'oper key') pdu.key = toInt(at, key, value);
      else if (key === 'port priority') pdu.portPriority = toInt(at, key, value);
      else if (key === 'port number') pdu.portNumber = toInt(at, key, value);
      else if (key === 'port state') pdu.portState = toInt(at, key, value);
      else fail(at, 'an LACP PDU field');
      continue;
    }

    if (block === 'slave' && slave) {
      parseSlaveField(at, slave, key, value);
      if (key === 'MII Status') slavesWithMii.add(slave);
      continue;
    }

    switch (key) {
      case 'Bonding Mode':
        mode = toMode(at, value);
        modeText = value;
        break;
      case 'Transmit Hash Policy':
        bond.transmitHashPolicy = value.replace(/\s*\(\d+\)$/, '');
        break;
      case 'MII Status':
        miiStatus = toMii(at, value);
        break;
      case 'MII Polling Interval (ms)':
        bond.miiPollingIntervalMs = toInt(at, key, value);
        break;
      case 'Up Delay (ms)':
        bond.upDelayMs = toInt(at, key, value);
        break;
      case 'Down Delay (ms)':
        bond.downDelayMs = toInt(at, key, value);
        break;
      case 'Primary Slave':
        bond.primarySlave = value === 'None' ? undefined : value.replace(/\s*\(.*\)$/, '');
        break;
      case 'Currently Active Slave':
        bond.activeSlave = value === 'None' ? undefined : value;
        break;
      case 'LACP rate':
        if (value !== 'slow' && value !== 'fast') fail(at, 'LACP rate "slow" or "fast"');
        bond.ad ??= emptyAd();
        bond.ad.lacpRate = value;
        break;
      case 'LACP active':
        if (value !== 'on' && value !== 'off') fail(at, 'LACP active "on" or "off"');
        bond.ad ??= emptyAd();
        bond.ad.lacpActive = value === 'on';
        break;
      case 'Min links':
        bond.ad ??= emptyAd();
        bond.ad.minLinks = toInt(at, key, value);
        break;
      case 'Aggregator selection policy (ad_select)':
        bond.ad ??= emptyAd();
        bond.ad.adSelect = value;
        break;
      case 'System priority':
        bond.ad ??= emptyAd();
        bond.ad.systemPriority = toInt(at, key, value);
        break;
      case 'System MAC address':
        bond.ad ??= emptyAd();
        bond.ad.systemMac = toMac(at, key, value);
        break;
      default:
        bond.extra[key] = value;
    }
  }
  closeSubBlock(lastCursor);

  if (!mode) {
    throw new HavocError('bonding-parse', `${source}: expected a "Bonding Mode:" line, found none`, {
      hint: 'pass the full content of /proc/net/bonding/<bond>',
    });
  }
  if (!miiStatus) {
    throw new HavocError('bonding-parse', `${source}: expected a bond-level "MII Status:" line, found none`);
  }
  const noMii = bond.slaves.find((s) => !slavesWithMii.has(s));
  if (noMii) {
    throw new HavocError('bonding-parse', `${source}: slave ${noMii.name} has no "MII Status:" line`);
  }
  if (mode !== '802.3ad') bond.ad = undefined;
  return { ...bond, mode, modeText, miiStatus };
}

function parseSlaveField(at: Cursor, slave: BondSlave, key: string, value: string): void {
  switch (key) {
    case 'MII Status':
      slave.miiStatus = toMii(at, value);
      return;
    case 'Speed': {
      if (value === 'Unknown') return;
      const m = /^(\d+) Mbps$/.exec(value);
      if (!m) fail(at, 'a speed like "1000 Mbps" or "Unknown"');
      slave.speedMbps = Number(m[1]);
      return;
    }
    case 'Duplex':
      if (value === 'Unknown') return;
      if (value !== 'full' && value !== 'half') fail(at, 'duplex "full", "half" or "Unknown"');
      slave.duplex = value;
      return;
    case 'Link Failure Count':
      slave.linkFailureCount = toInt(at, key, value);
      return;
    case 'Permanent HW addr':
      slave.permanentHwAddr = value === '' ? undefined : toMac(at, key, value);
      return;
    case 'Slave queue ID':
      slave.queueId = toInt(at, key, value);
      return;
    case 'Aggregator ID':
      slave.aggregatorId = value === 'N/A' ? undefined : toInt(at, key, value);
      return;
    case 'Actor Churn State':
      slave.actorChurnState = value;
      return;
    case 'Partner Churn State':
      slave.partnerChurnState = value;
      return;
    case 'Actor Churned Count':
      slave.actorChurnedCount = toInt(at, key, value);
      return;
    case 'Partner Churned Count':
      slave.partnerChurnedCount = toInt(at, key, value);
      return;
    default:
      slave.extra[key] = value;
  }
}
