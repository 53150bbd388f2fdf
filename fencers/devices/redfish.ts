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

export function createRedfishDevice(
  config: RedfishBmcConfig,
  password: string,
  opts: { hostName: string; redactor: Redactor },
): FenceDevice {
  const system = config.systemId ? `, system ${config.systemId}` : '';
  const description = `Redfish BMC of ${opts.hostName} (${config.baseUrl}, user ${config.user}${system})`;
  const client = new RedfishClient({
    baseUrl: config.baseUrl,
    user: config.user,
    password,
    systemId: config.systemId,
    tls: { caFile: config.caFile, insecureTls: config.insecureTls },
    target: description,
    redactor: opts.redactor,
  });

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
