/**
 * The one shape every fence device has. A device only talks to its hardware:
 * it sends a command and reads a state. Verification (poll until the state is
 * seen), deadlines, levels and timing records live once, in fencers/, not in
 * each device.
 */
export type PowerState = 'on' | 'off';

export interface DeviceTarget {
  /** e.g. "IPMI BMC of host2 (10.0.99.12:623, user admin)"; never contains a secret. */
  description: string;
}

export interface FenceDevice extends DeviceTarget {
  /**
   * power: the device switches the host's power (BMC, hypervisor).
   * fabric: the device cuts the host off the network or storage (switch ports);
   *         "off" isolates, "on" un-fences, and there is no reboot of its own.
   */
  readonly kind: 'power' | 'fabric';
  /** The state as the device reports it now. For fabric devices: off = every port is down. */
  status(signal: AbortSignal): Promise<PowerState>;
  /** Sends the off command; returns once the device accepted it (not once it is seen off). */
  off(signal: AbortSignal): Promise<void>;
  on(signal: AbortSignal): Promise<void>;
  /** A power cycle in one command, where the device has it. */
  cycle?(signal: AbortSignal): Promise<void>;
  /** The device answers and the credentials work. */
  monitor(signal: AbortSignal): Promise<void>;
  /** Ports, outlets or systems the device can fence. */
  list?(signal: AbortSignal): Promise<DeviceListEntry[]>;
  /** Releases sessions and sockets; always called, also after errors. */
  close?(): Promise<void>;
}

export interface DeviceListEntry {
  id: string;
  description?: string;
  state?: PowerState;
}
