import { deadlineSignal } from '../../core/deadline.js';
import type { Redactor } from '../../core/redact.js';
import type { RedfishBmcConfig } from '../../inventory/schema.js';
import { RedfishClient } from '../../protocols/redfish/client.js';
import type { DeviceListEntry, FenceDevice, PowerState } from '../device.js';

/**
 * A host's Redfish BMC as a fence device. One session is opened on first use
 * and kept for the whole fencing operation (reset, then the fencer's status
 * polls); close() deletes it. Only PowerState "Off" counts as off:
 * PoweringOff, PoweringOn and Paused are reported as on, as the
 * fence_redfish review settled (ClusterLabs/fence-agents#253).
 */

// Logout runs after the operation's own deadline may have passed, so it has
// its own short budget rather than inheriting an aborted signal.
const CLOSE_DEADLINE_MS = 2000;

/** What the device and the bmc collector call this BMC; never contains a secret. */
export function redfishDescription(config: RedfishBmcConfig, hostName: string): string {
  const system = config.systemId ? `, system ${config.systemId}` : '';
  return `Redfish BMC of ${hostName} (${config.baseUrl}, user ${config.user}${system})`;
}

/** The Redfish client of a host's BMC, as the fence device and the bmc collector use it. */
export function redfishClientOf(
  config: RedfishBmcConfig,
  password: string,
  hostName: string,
  redactor: Redactor,
): RedfishClient {
  return new RedfishClient({
    baseUrl: config.baseUrl,
    user: config.user,
    password,
    systemId: config.systemId,
    tls: { caFile: config.caFile, insecureTls: config.insecureTls },
    target: redfishDescription(config, hostName),
    redactor,
  });
}

export function createRedfishDevice(
  config: RedfishBmcConfig,
  password: string,
  opts: { hostName: string; redactor: Redactor },
): FenceDevice {
  return redfishDevice(
    redfishClientOf(config, password, opts.hostName, opts.redactor),
    redfishDescription(config, opts.hostName),
  );
}

/** The fence device over a client built by redfishClientOf. */
export function redfishDevice(client: RedfishClient, description: string): FenceDevice {
  return {
    kind: 'power',
    description,
    async status(signal: AbortSignal): Promise<PowerState> {
      return (await client.powerState(signal)) === 'Off' ? 'off' : 'on';
    },
    async off(signal: AbortSignal): Promise<void> {
      await client.reset('off', signal);
    },
    async on(signal: AbortSignal): Promise<void> {
      await client.reset('on', signal);
    },
    async cycle(signal: AbortSignal): Promise<void> {
      await client.reset('cycle', signal);
    },
    async monitor(signal: AbortSignal): Promise<void> {
      const logout = () => client.logout(deadlineSignal(CLOSE_DEADLINE_MS, `logout from ${description}`));
      try {
        await client.powerState(signal);
      } catch (err) {
        // The read's error is the one to report; a failed logout must not hide it.
        await logout().catch(() => undefined);
        throw err;
      }
      await logout();
    },
    async list(signal: AbortSignal): Promise<DeviceListEntry[]> {
      const systems = await client.listSystems(signal);
      return systems.map((s) => {
        const entry: DeviceListEntry = { id: s.id };
        if (s.name) entry.description = s.name;
        if (s.powerState) entry.state = s.powerState === 'Off' ? 'off' : 'on';
        return entry;
      });
    },
    async close(): Promise<void> {
      await client.close(deadlineSignal(CLOSE_DEADLINE_MS, `logout from ${description}`));
    },
  };
}
