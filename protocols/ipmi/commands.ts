import { NetFn } from './message.js';

/**
 * Request builders and response parsers for the commands havoc sends. Each
 * parser takes the response data after the completion code.
 */

export interface CommandSpec {
  netFn: number;
  cmd: number;
  data: Uint8Array;
  name: string;
  /** The command changes the machine (Chassis Control): checked against due deadlines before every send. */
  acts?: boolean;
}

export const Privilege = { callback: 1, user: 2, operator: 3, administrator: 4 } as const;
export type PrivilegeName = keyof typeof Privilege;

export function privilegeName(level: number): string {
  const entry = Object.entries(Privilege).find(([, v]) => v === level);
  return entry ? entry[0] : `privilege ${level}`;
}

/** Chassis Control sub-functions (IPMI 2.0 table 28-4). */
export const ChassisAction = {
  powerDown: 0x00,
  powerUp: 0x01,
  powerCycle: 0x02,
  hardReset: 0x03,
  diagnosticInterrupt: 0x04,
  softOff: 0x05,
} as const;
export type ChassisActionName = keyof typeof ChassisAction;

export function getChannelAuthCapabilities(privilege: number): CommandSpec {
  // 0x8E: bit 7 asks for IPMI 2.0 extended data, channel 0xE means "this channel".
  return {
    netFn: NetFn.app,
    cmd: 0x38,
    data: Uint8Array.of(0x8e, privilege),
    name: 'Get Channel Authentication Capabilities',
  };
}

export interface ChannelAuthCapabilities {
  channel: number;
  /** The BMC can do RMCP+ (IPMI 2.0) sessions. */
  ipmi20: boolean;
  /** The BMC can do IPMI 1.5 sessions. */
  ipmi15: boolean;
  /** IPMI 1.5 authentication types offered (bit mask: none, MD2, MD5, -, straight, OEM). */
  authTypes: number;
  /** A non-null user name is needed (anonymous login disabled). */
  anonymousLoginEnabled: boolean;
  kgConfigured: boolean;
}

export function parseChannelAuthCapabilities(data: Buffer): ChannelAuthCapabilities {
  if (data.length < 4)
    throw new Error(`Get Channel Authentication Capabilities answer too short (${data.length} bytes)`);
  const extended = (data[1]! & 0x80) !== 0;
  const ext = data[3]!;
  return {
    channel: data[0]!,
    authTypes: data[1]! & 0x3f,
    ipmi20: extended && (ext & 0x02) !== 0,
    // A BMC without extended data is IPMI 1.5 only.
    ipmi15: !extended || (ext & 0x01) !== 0,
    anonymousLoginEnabled: (data[2]! & 0x01) !== 0,
    kgConfigured: (data[2]! & 0x20) !== 0,
  };
}

export function setSessionPrivilegeLevel(privilege: number): CommandSpec {
  return { netFn: NetFn.app, cmd: 0x3b, data: Uint8Array.of(privilege), name: 'Set Session Privilege Level' };
}

export function closeSession(bmcSessionId: number): CommandSpec {
  const data = Buffer.alloc(4);
  data.writeUInt32LE(bmcSessionId >>> 0, 0);
  return { netFn: NetFn.app, cmd: 0x3c, data, name: 'Close Session' };
}

export function getDeviceId(): CommandSpec {
  return { netFn: NetFn.app, cmd: 0x01, data: new Uint8Array(0), name: 'Get Device ID' };
}

export interface DeviceId {
  deviceId: number;
  deviceRevision: number;
  firmwareRevision: string;
  ipmiVersion: string;
  manufacturerId: number;
  productId: number;
  /** The controller reports it is in normal operation (not firmware update / self-init). */
  available: boolean;
}

export function parseDeviceId(data: Buffer): DeviceId {
  if (data.length < 11) throw new Error(`Get Device ID answer too short (${data.length} bytes)`);
  const minor = data[3]!;
  return {
    deviceId: data[0]!,
    deviceRevision: data[1]! & 0x0f,
    // Minor firmware revision is BCD.
    firmwareRevision: `${data[2]! & 0x7f}.${(minor >> 4).toString()}${(minor & 0x0f).toString()}`,
    ipmiVersion: `${data[4]! & 0x0f}.${data[4]! >> 4}`,
    manufacturerId: data[6]! | (data[7]! << 8) | ((data[8]! & 0x0f) << 16),
    productId: data.readUInt16LE(9),
    available: (data[2]! & 0x80) === 0,
  };
}

export function getChassisStatus(): CommandSpec {
  return { netFn: NetFn.chassis, cmd: 0x01, data: new Uint8Array(0), name: 'Get Chassis Status' };
}

export interface ChassisStatus {
  powerOn: boolean;
  powerOverload: boolean;
  interlock: boolean;
  powerFault: boolean;
  powerControlFault: boolean;
  /** 'always-off' | 'previous' | 'always-on' | 'unknown' */
  restorePolicy: 'always-off' | 'previous' | 'always-on' | 'unknown';
  lastPowerEvent: number;
  intrusion: boolean;
  frontPanelLockout: boolean;
  driveFault: boolean;
  coolingFault: boolean;
}

const RESTORE_POLICIES = ['always-off', 'previous', 'always-on', 'unknown'] as const;

export function parseChassisStatus(data: Buffer): ChassisStatus {
  if (data.length < 3) throw new Error(`Get Chassis Status answer too short (${data.length} bytes)`);
  const current = data[0]!;
  const misc = data[2]!;
  return {
    powerOn: (current & 0x01) !== 0,
    powerOverload: (current & 0x02) !== 0,
    interlock: (current & 0x04) !== 0,
    powerFault: (current & 0x08) !== 0,
    powerControlFault: (current & 0x10) !== 0,
    restorePolicy: RESTORE_POLICIES[(current >> 5) & 0x03]!,
    lastPowerEvent: data[1]!,
    intrusion: (misc & 0x01) !== 0,
    frontPanelLockout: (misc & 0x02) !== 0,
    driveFault: (misc & 0x04) !== 0,
    coolingFault: (misc & 0x08) !== 0,
  };
}

export function chassisControl(action: ChassisActionName): CommandSpec {
  return {
    netFn: NetFn.chassis,
    cmd: 0x02,
    data: Uint8Array.of(ChassisAction[action]),
    name: `Chassis Control (${action})`,
    acts: true,
  };
}
