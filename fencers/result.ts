import type { PowerState } from './device.js';

export type FenceAction = 'off' | 'on' | 'reboot' | 'status' | 'monitor' | 'list';
export const FENCE_ACTIONS: readonly FenceAction[] = ['off', 'on', 'reboot', 'status', 'monitor', 'list'];

/** One thing a device was asked to do, with monotonic times relative to the start of the fence. */
export interface StepRecord {
  step: 'status' | 'off' | 'on' | 'cycle' | 'verify-off' | 'verify-on' | 'monitor' | 'list' | 'close';
  startMs: number;
  durationMs: number;
  ok: boolean;
  /** For status and verify steps: what the device reported last. */
  state?: PowerState;
  /** For verify steps: how many status reads it took. */
  polls?: number;
  error?: string;
}

export interface DeviceRecord {
  device: string;
  kind: 'power' | 'fabric';
  ok: boolean;
  steps: StepRecord[];
  error?: string;
}

export interface LevelRecord {
  /** 1-based, as in Pacemaker's fencing topology. */
  level: number;
  ok: boolean;
  devices: DeviceRecord[];
}

export interface FenceResult {
  host: string;
  action: FenceAction;
  ok: boolean;
  /** The level that succeeded (off, reboot). */
  level?: number;
  /** status: the host's power state as the first answering level saw it. */
  state?: PowerState;
  levels: LevelRecord[];
  /** Things that did not make the action fail but that a person should know (e.g. power on after a reboot failed). */
  warnings: string[];
  error?: string;
  durationMs: number;
  /** list: ports or systems per device. */
  entries?: { device: string; id: string; description?: string; state?: PowerState }[];
}
