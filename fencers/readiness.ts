import { deadlineSignal } from '../core/deadline.js';
import { errorMessage } from '../core/errors.js';
import type { HostConfig } from '../inventory/schema.js';
import type { FenceContext } from './context.js';
import type { FenceDevice } from './device.js';
import { devicesOfLevel } from './device-factory.js';

/*
 * Is a host fenceable right now? Each fencing level's devices come from the
 * device factory, exactly as `havoc fence` and fence_havoc build them, and
 * each answers its own monitor read (IPMI chassis status, Redfish/CIMC power
 * state, the switch ports' admin state with the write credentials, virsh
 * domstate). A host is ready when at least one level answers completely, as
 * fence_havoc's monitor says. The exporter's fencing-ready collector and the
 * suites' steady state both ask this.
 */

/** Deadline of one device's monitor read. */
export const MONITOR_MS = 4000;

export interface DeviceReadiness {
  /** The device's own description (targets and ports), or the level's when its devices could not be built. */
  device: string;
  /** Why it is not ready; absent when it answered. */
  error?: string;
}

export interface LevelReadiness {
  level: number;
  ready: boolean;
  devices: DeviceReadiness[];
}

/** Every fencing level of a host, each device asked its monitor read at once; devices are closed after. */
export function fencingReadiness(
  host: HostConfig,
  fence: FenceContext,
  signal: AbortSignal,
): Promise<LevelReadiness[]> {
  return Promise.all(
    host.fencing.levels.map(async (_level, i): Promise<LevelReadiness> => {
      let devices: FenceDevice[];
      try {
        devices = await devicesOfLevel(host, i, fence);
      } catch (err) {
        const where = `hosts.${host.name}.fencing.levels[${i}]`;
        return { level: i + 1, ready: false, devices: [{ device: where, error: errorMessage(err) }] };
      }
      const answers = await Promise.all(
        devices.map(async (device): Promise<DeviceReadiness> => {
          try {
            await device.monitor(deadlineSignal(MONITOR_MS, `monitor of ${device.description}`, signal));
            return { device: device.description };
          } catch (err) {
            return { device: device.description, error: errorMessage(err) };
          } finally {
            await device.close?.().catch(() => undefined);
          }
        }),
      );
      return { level: i + 1, ready: answers.every((a) => a.error === undefined), devices: answers };
    }),
  );
}
