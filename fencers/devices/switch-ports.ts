import { HavocError } from '../../core/errors.js';
import type { SecretRef, SwitchConfig } from '../../inventory/schema.js';
import { SnmpError } from '../../protocols/snmp/errors.js';
import { type PortStatus, readPortStatus, setAdminStatus } from '../../protocols/snmp/if-mib.js';
import { adminState, ifTable, operState } from '../../protocols/snmp/oids.js';
import {
  loadPortNames,
  PortLookupCache,
  type PortNames,
  readAgentStamp,
  resolvePorts,
} from '../../protocols/snmp/port-lookup.js';
import { type SnmpCredentials, SnmpSession } from '../../protocols/snmp/session.js';
import { asNumber } from '../../protocols/snmp/varbind-values.js';
import type { DeviceListEntry, FenceDevice, PowerState } from '../device.js';

/*
 * Fabric fencing through switch ports (what fence_ifmib does): "off" sets
 * IF-MIB ifAdminStatus down(2) on every port of the host, "on" sets up(1).
 * Unlike fence_ifmib, which reads back only the admin state it just wrote,
 * status says "off" only when every port is admin down AND ifOperStatus
 * reports down: the port has really stopped forwarding.
 */

/** The secrets of a switch's SNMP settings, resolved by the caller. */
export type SwitchSecrets =
  | { community: string; writeCommunity?: string }
  | { authKey: string; privKey: string };

export interface SwitchPortsTarget {
  switch: SwitchConfig;
  secrets: SwitchSecrets;
  /** Port names as the inventory has them: matched against ifName, then ifDescr, then ifAlias. */
  ports: string[];
}

export interface SwitchPortsOptions {
  hostName: string;
  /** Deadline of one SNMP operation; the verify loop's own deadline is on top. */
  timeoutMs?: number;
  /** Port-name caches per switch name, when the caller keeps them between fencing operations. */
  lookups?: Map<string, PortLookupCache>;
}

/** Resolves the secret references of a switch's SNMP settings (e.g. with LoadedInventory.secrets.resolve). */
export function resolveSwitchSecrets(
  config: SwitchConfig,
  resolve: (ref: SecretRef, where: string) => string,
): SwitchSecrets {
  const where = `switches.${config.name}.snmp`;
  const snmp = config.snmp;
  if (snmp.version === '3') {
    return {
      authKey: resolve(snmp.authKey, `${where}.authKey`),
      privKey: resolve(snmp.privKey, `${where}.privKey`),
    };
  }
  const community = resolve(snmp.community, `${where}.community`);
  return snmp.writeCommunity
    ? { community, writeCommunity: resolve(snmp.writeCommunity, `${where}.writeCommunity`) }
    : { community };
}

/** The credentials that may SET: v2c's write community (or the only one), or the v3 user. */
export function writeCredentials(config: SwitchConfig, secrets: SwitchSecrets): SnmpCredentials {
  const snmp = config.snmp;
  if (snmp.version === '3') {
    if (!('authKey' in secrets))
      throw new HavocError('config', `switches.${config.name}: v3 needs authKey and privKey`);
    return {
      version: '3',
      user: snmp.user,
      auth: { protocol: snmp.authProtocol, key: secrets.authKey },
      priv: { protocol: snmp.privProtocol, key: secrets.privKey },
    };
  }
  if (!('community' in secrets))
    throw new HavocError('config', `switches.${config.name}: v2c needs a community`);
  return { version: '2c', community: secrets.writeCommunity ?? secrets.community };
}

interface SwitchLink {
  target: SwitchPortsTarget;
  session: SnmpSession;
  lookup: PortLookupCache;
}

/**
 * A port is fenced only when it is administratively down AND the agent reads
 * it operationally down. Admin down alone is a request the agent accepted
 * (fence_ifmib's notion of off); oper down alone is a link flap, not a fence.
 */
export function isFenced(state: PortStatus | undefined): boolean {
  return state?.admin === 'down' && state.oper === 'down';
}

export function createSwitchPortsDevice(
  targets: readonly SwitchPortsTarget[],
  opts: SwitchPortsOptions,
): FenceDevice {
  if (targets.length === 0 || targets.every((t) => t.ports.length === 0)) {
    throw new HavocError('config', `switch-port fencing of ${opts.hostName}: no switch ports to fence`, {
      hint: 'give the host NICs or bond slaves with switchPort, or list ports in the fence device',
    });
  }
  const portList = targets.map((t) => `${t.switch.name} ${t.ports.join(', ')}`).join('; ');
  const description = `switch ports of ${opts.hostName} (${portList})`;
  let links: SwitchLink[] | undefined;

  const open = (): SwitchLink[] => {
    links ??= targets.map((target) => {
      const lookup = opts.lookups?.get(target.switch.name) ?? new PortLookupCache();
      opts.lookups?.set(target.switch.name, lookup);
      const session = new SnmpSession({
        host: target.switch.address,
        port: target.switch.port,
        name: target.switch.name,
        credentials: writeCredentials(target.switch, target.secrets),
        timeoutMs: opts.timeoutMs ?? 3000,
        attemptTimeoutMs: 500,
      });
      return { target, session, lookup };
    });
    return links;
  };

  const resolved = (link: SwitchLink, signal: AbortSignal) =>
    resolvePorts(link.session, link.lookup, link.target.ports, signal);

  const setAll = async (state: 'up' | 'down', signal: AbortSignal) => {
    await Promise.all(
      open().map(async (link) => {
        const ports = await resolved(link, signal);
        try {
          await Promise.all(
            [...ports.values()].map((p) => setAdminStatus(link.session, p.ifIndex, state, signal)),
          );
        } catch (err) {
          // The ifIndex may have moved since the names were cached (agent
          // restart, line card swap): resolve afresh once and set again.
          if (!(err instanceof SnmpError) || !['noCreation', 'noSuchName'].includes(err.status ?? '')) {
            throw err;
          }
          link.lookup.invalidate();
          const again = await resolved(link, signal);
          await Promise.all(
            [...again.values()].map((p) => setAdminStatus(link.session, p.ifIndex, state, signal)),
          );
        }
      }),
    );
  };

  const portStates = async (link: SwitchLink, signal: AbortSignal) => {
    const ports = await resolved(link, signal);
    const states = await readPortStatus(
      link.session,
      [...ports.values()].map((p) => p.ifIndex),
      signal,
    );
    return [...ports.entries()].map(([wanted, port]) => ({ wanted, port, state: states.get(port.ifIndex) }));
  };

  return {
    kind: 'fabric',
    description,
    async status(signal: AbortSignal): Promise<PowerState> {
      const all = (await Promise.all(open().map((link) => portStates(link, signal)))).flat();
      const fenced = all.every((p) => isFenced(p.state));
      return fenced ? 'off' : 'on';
    },
    off: (signal: AbortSignal) => setAll('down', signal),
    on: (signal: AbortSignal) => setAll('up', signal),
    async monitor(signal: AbortSignal): Promise<void> {
      // With the write credentials: every configured port found, and its admin state readable.
      const all = (await Promise.all(open().map((link) => portStates(link, signal)))).flat();
      const silent = all.filter((p) => p.state?.admin === undefined);
      if (silent.length > 0) {
        throw new HavocError(
          'snmp',
          `${description}: no ifAdminStatus for ${silent.map((p) => `${p.wanted} (ifIndex ${p.port.ifIndex})`).join(', ')}`,
        );
      }
    },
    async list(signal: AbortSignal): Promise<DeviceListEntry[]> {
      const perSwitch = await Promise.all(
        open().map(async (link) => {
          const stamp = await readAgentStamp(link.session, signal);
          const [{ ports }, states] = await Promise.all([
            loadPortNames(link.session, link.lookup, stamp, signal),
            link.session.walkColumns([ifTable.ifAdminStatus, ifTable.ifOperStatus], signal),
          ]);
          return [...ports.values()].map((port) => listEntry(link.target.switch.name, port, states));
        }),
      );
      return perSwitch.flat();
    },
    async close(): Promise<void> {
      for (const link of links ?? []) link.session.close();
      links = undefined;
    },
  };
}

function listEntry(
  switchName: string,
  port: PortNames,
  states: Map<string, Map<string, { oid: string; type: number; value: unknown }>>,
): DeviceListEntry {
  const value = (column: string) => {
    const vb = states.get(column)?.get(String(port.ifIndex));
    return vb ? asNumber(vb) : undefined;
  };
  const admin = adminState(value(ifTable.ifAdminStatus) ?? 0);
  const oper = operState(value(ifTable.ifOperStatus) ?? 0);
  const about = [
    `ifIndex ${port.ifIndex}`,
    port.descr && port.descr !== port.name ? `ifDescr ${port.descr}` : undefined,
    port.alias ? `alias "${port.alias}"` : undefined,
    `admin ${admin ?? 'unknown'}, oper ${oper ?? 'unknown'}`,
  ]
    .filter(Boolean)
    .join(', ');
  return {
    id: `${switchName}/${port.name || port.descr || String(port.ifIndex)}`,
    description: about,
    state: isFenced({ ifIndex: port.ifIndex, admin, oper }) ? 'off' : 'on',
  };
}
