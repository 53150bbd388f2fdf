import { deadlineSignal } from '../../core/deadline.js';
import type { Redactor } from '../../core/redact.js';
import type { CimcBmcConfig } from '../../inventory/schema.js';
import { CimcClient, RACK_UNIT_DN } from '../../protocols/cimc/client.js';
import type { DeviceListEntry, FenceDevice, PowerState } from '../device.js';

/**
 * A standalone C-series Cisco IMC as a fence device, through its XML API on
 * computeRackUnit sys/rack-unit-1. One session (cookie) serves the whole
 * fencing operation and close() logs it out: a CIMC has only 4 XML API
 * sessions. Only operPower "off" counts as off; "degraded", "error",
 * "unknown" and the rest are not proof that the host is down.
 */

const CLOSE_DEADLINE_MS = 2000;

/** What the device and the bmc collector call this CIMC; never contains a secret. */
export function cimcDescription(config: CimcBmcConfig, hostName: string): string {
  return `Cisco IMC of ${hostName} (${config.url}, user ${config.user})`;
}

/** The XML API client of a host's CIMC, as the fence device and the bmc collector use it. */
export function cimcClientOf(
  config: CimcBmcConfig,
  password: string,
  hostName: string,
  redactor: Redactor,
): CimcClient {
  return new CimcClient({
    url: config.url,
    user: config.user,
    password,
    tls: { caFile: config.caFile, insecureTls: config.insecureTls },
    target: cimcDescription(config, hostName),
    redactor,
  });
}

export function createCimcDevice(
  config: CimcBmcConfig,
  password: string,
  opts: { hostName: string; redactor: Redactor },
): FenceDevice {
  return cimcDevice(
    cimcClientOf(config, password, opts.hostName, opts.redactor),
    cimcDescription(config, opts.hostName),
  );
}

/** The fence device over a client built by cimcClientOf. */
export function cimcDevice(client: CimcClient, description: string): FenceDevice {
  return {
    kind: 'power',
    description,
    async status(signal: AbortSignal): Promise<PowerState> {
      return (await client.operPower(RACK_UNIT_DN, signal)) === 'off' ? 'off' : 'on';
    },
    async off(signal: AbortSignal): Promise<void> {
      await client.setAdminPower(RACK_UNIT_DN, 'down', signal);
    },
    async on(signal: AbortSignal): Promise<void> {
      await client.setAdminPower(RACK_UNIT_DN, 'up', signal);
    },
    async cycle(signal: AbortSignal): Promise<void> {
      await client.setAdminPower(RACK_UNIT_DN, 'cycle-immediate', signal);
    },
    async monitor(signal: AbortSignal): Promise<void> {
      const logout = () => client.logout(deadlineSignal(CLOSE_DEADLINE_MS, `logout from ${description}`));
      try {
        await client.operPower(RACK_UNIT_DN, signal);
      } catch (err) {
        // The read's error is the one to report; a failed logout must not hide it.
        await logout().catch(() => undefined);
        throw err;
      }
      await logout();
    },
    async list(signal: AbortSignal): Promise<DeviceListEntry[]> {
      const units = await client.rackUnits(signal);
      return units.map((u) => {
        const entry: DeviceListEntry = { id: u.dn, state: u.operPower === 'off' ? 'off' : 'on' };
        const about = [
          u.name,
          u.model && u.model !== u.name ? u.model : undefined,
          u.serial ? `serial ${u.serial}` : undefined,
        ]
          .filter(Boolean)
          .join(', ');
        if (about) entry.description = about;
        return entry;
      });
    },
    async close(): Promise<void> {
      await client.close(deadlineSignal(CLOSE_DEADLINE_MS, `logout from ${description}`));
    },
  };
}
