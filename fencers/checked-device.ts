import { checkBeforeCommand } from '../core/deadline.js';
import type { FenceDevice } from './device.js';

/**
 * The device with every call checked first: a fence whose signal aborted
 * (its deadline passed, or the client of a resident agent went away) sends
 * nothing more to the device, also when the process resumes from a stop in
 * the middle of it. The check yields to due timers and I/O first
 * (core/deadline.ts), so a stale request cannot slip through between them.
 */
export function checkedDevice(device: FenceDevice): FenceDevice {
  const checked =
    <A extends unknown[], R>(call: (signal: AbortSignal, ...rest: A) => Promise<R>) =>
    async (signal: AbortSignal, ...rest: A): Promise<R> => {
      await checkBeforeCommand(signal);
      return call(signal, ...rest);
    };
  return {
    kind: device.kind,
    description: device.description,
    status: checked((s) => device.status(s)),
    off: checked((s) => device.off(s)),
    on: checked((s) => device.on(s)),
    ...(device.cycle ? { cycle: checked((s) => device.cycle!(s)) } : {}),
    monitor: checked((s) => device.monitor(s)),
    ...(device.list ? { list: checked((s) => device.list!(s)) } : {}),
    ...(device.close ? { close: () => device.close!() } : {}),
  };
}
