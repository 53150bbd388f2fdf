import { setTimeout as sleep } from 'node:timers/promises';
import { TimeoutError } from './errors.js';

/** Monotonic milliseconds; wall-clock time is for display only. */
export function monotonicMs(): number {
  return performance.now();
}

/**
 * A signal that aborts when the parent aborts or `ms` elapse, whichever is
 * first. The timeout reason is a TimeoutError naming what timed out.
 */
export function deadlineSignal(ms: number, what: string, parent?: AbortSignal): AbortSignal {
  const timeout = AbortSignal.timeout(Math.max(0, ms));
  const signals = parent ? [parent, timeout] : [timeout];
  const combined = AbortSignal.any(signals);
  return wrapReason(combined, timeout, what, ms);
}

function wrapReason(combined: AbortSignal, timeout: AbortSignal, what: string, ms: number): AbortSignal {
  const controller = new AbortController();
  const forward = () => {
    controller.abort(
      timeout.aborted ? new TimeoutError(`${what} did not finish within ${ms} ms`) : combined.reason,
    );
  };
  if (combined.aborted) forward();
  else combined.addEventListener('abort', forward, { once: true });
  return controller.signal;
}

/** Throws the signal's reason if it has aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted)
    throw signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason));
}

/** Sleeps, but wakes with the abort reason as soon as the signal aborts. */
export async function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await sleep(ms, undefined, signal ? { signal } : undefined);
  } catch (err) {
    if (signal?.aborted) throwIfAborted(signal);
    throw err;
  }
}

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  factor?: number;
}

/** The intervals of an exponential backoff, capped: 20, 40, 80, ... maxMs, maxMs. */
export function* backoffIntervals({ initialMs, maxMs, factor = 2 }: BackoffOptions): Generator<number> {
  let next = initialMs;
  for (;;) {
    yield next;
    next = Math.min(maxMs, next * factor);
  }
}

/**
 * Calls `check` until it returns a value that is not undefined, sleeping with
 * backoff between calls, until the signal aborts.
 */
export async function pollUntil<T>(
  check: (signal: AbortSignal) => Promise<T | undefined>,
  signal: AbortSignal,
  backoff: BackoffOptions,
): Promise<T> {
  for (const interval of backoffIntervals(backoff)) {
    throwIfAborted(signal);
    const value = await check(signal);
    if (value !== undefined) return value;
    await abortableSleep(interval, signal);
  }
  throw new Error('unreachable');
}

/**
 * Milliseconds on the machine's monotonic clock (CLOCK_MONOTONIC), the same
 * in every process: for a deadline one process hands to another.
 */
export function systemMonotonicMs(): number {
  return Number(process.hrtime.bigint() / 1_000_000n);
}

/**
 * Throws if `signal` aborted, after letting pending I/O callbacks run first
 * (a client that went away), and for a command that `acts` (powers off,
 * cuts a port) every expired timer too (a deadline that passed). Called
 * before a command reaches a device: a process that was stopped (SIGSTOP, a
 * stall) and resumes would otherwise send it from the callback that woke it,
 * before the close or the timer that ends the request had their turn. A read
 * only waits for I/O (a zero timer costs about a millisecond; a late read
 * changes nothing).
 */
export async function checkBeforeCommand(signal: AbortSignal, acts: boolean): Promise<void> {
  throwIfAborted(signal);
  // A zero timer runs after every timer that expired before it (their expiry is earlier);
  // setImmediate runs after the I/O callbacks of this turn of the event loop.
  await (acts ? sleep(0) : new Promise<void>((resolve) => setImmediate(resolve)));
  throwIfAborted(signal);
}
