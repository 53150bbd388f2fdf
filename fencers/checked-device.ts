import { checkBeforeCommand } from '../core/deadline.js';
import type { FenceDevice } from './device.js';

/**
 * The device with every call checked first: a fence whose signal aborted
 * (its deadline passed, or the client of a resident agent went away) sends
 * nothing more to the device, also when the process resumes from a stop in
 * the middle of it. The check yields to pending I/O first, and before a
 * command that acts also to due timers (core/deadline.ts), so a stale
 * request cannot slip through between them.
 */
export function checkedDevice(device: FenceDevice): FenceDevice {
  const checked =
    <R>(acts: boolean, call: (signal: AbortSignal) => Promise<R>) =>
    async (signal: AbortSignal): Promise<R> => {
      await checkBeforeCommand(signal, acts);
      return call(signal);
    };
  return {
    kind: device.kind,
    description: device.description,
    status: checked(false, (s) => device.status(s)),
    off: checked(true, (s) => device.off(s)),
    on: checked(true, (s) => device.on(s)),
    ...(device.cycle ? { cycle: checked(true, (s) => device.cycle!(s)) } : {}),
    monitor: checked(false, (s) => device.monitor(s)),
    ...(device.list ? { list: checked(false, (s) => device.list!(s)) } : {}),
    ...(device.close ? { close: () => device.close!() } : {}),
  };
}
