import { abortableSleep, backoffIntervals, deadlineSignal, monotonicMs } from '../core/deadline.js';
import { errorMessage } from '../core/errors.js';
import type { FenceDevice, PowerState } from './device.js';
import type { StepRecord } from './result.js';

/** Status polls start at 20 ms and back off to 500 ms: fast for a fast BMC, gentle for a slow one. */
export const VERIFY_BACKOFF = { initialMs: 20, maxMs: 500 } as const;

/** Records one step of a device with times relative to `origin` (monotonic). */
export async function recordStep<T>(
  steps: StepRecord[],
  origin: number,
  step: StepRecord['step'],
  fn: () => Promise<T>,
  describe?: (value: T) => Partial<StepRecord>,
): Promise<T> {
  const start = monotonicMs();
  try {
    const value = await fn();
    steps.push({
      step,
      startMs: start - origin,
      durationMs: monotonicMs() - start,
      ok: true,
      ...describe?.(value),
    });
    return value;
  } catch (err) {
    steps.push({
      step,
      startMs: start - origin,
      durationMs: monotonicMs() - start,
      ok: false,
      error: errorMessage(err),
    });
    throw err;
  }
}

/**
 * Polls the device until it reports `target`, under the caller's deadline.
 * Success is only ever reported after the state was seen; a device that
 * keeps reporting the old state fails at the deadline with that reason.
 */
export async function waitForState(
  device: FenceDevice,
  target: PowerState,
  signal: AbortSignal,
  steps: StepRecord[],
  origin: number,
): Promise<void> {
  const start = monotonicMs();
  let polls = 0;
  let last: PowerState | undefined;
  let lastError: string | undefined;
  const intervals = backoffIntervals(VERIFY_BACKOFF);
  const step = target === 'off' ? 'verify-off' : 'verify-on';
  try {
    for (;;) {
      polls++;
      try {
        last = await device.status(signal);
        lastError = undefined;
      } catch (err) {
        // A status read can fail while a BMC is busy switching; keep polling until the deadline.
        if (signal.aborted) throw err;
        lastError = errorMessage(err);
      }
      if (last === target && lastError === undefined) break;
      await abortableSleep(intervals.next().value as number, signal);
    }
  } catch (err) {
    const seen = lastError
      ? `the last status read failed: ${lastError}`
      : `it still reports ${last ?? 'nothing'}`;
    const error = `${device.description} was told to power ${target} but ${seen} (${polls} status reads): ${errorMessage(err)}`;
    steps.push({
      step,
      startMs: start - origin,
      durationMs: monotonicMs() - start,
      ok: false,
      polls,
      error,
      ...(last ? { state: last } : {}),
    });
    throw new Error(error);
  }
  steps.push({
    step,
    startMs: start - origin,
    durationMs: monotonicMs() - start,
    ok: true,
    polls,
    state: target,
  });
}

/**
 * Drives a device to a state and verifies it: status first (an already-off
 * host is not an error), then the command, then polls until seen.
 */
export async function driveToState(
  device: FenceDevice,
  target: PowerState,
  timeoutMs: number,
  parent: AbortSignal,
  steps: StepRecord[],
  origin: number,
): Promise<void> {
  const signal = deadlineSignal(timeoutMs, `${target} of ${device.description}`, parent);
  const current = await recordStep(
    steps,
    origin,
    'status',
    () => device.status(signal),
    (state) => ({ state }),
  );
  if (current === target) return;
  await recordStep(steps, origin, target, () => (target === 'off' ? device.off(signal) : device.on(signal)));
  await waitForState(device, target, signal, steps, origin);
}
