/**
 * A counting semaphore for the sessions (channels) open on one connection.
 * OpenSSH refuses sessions beyond MaxSessions (10 by default) with "open
 * failed", so callers queue here instead; a waiter whose signal aborts leaves
 * the queue at once.
 */
export class ChannelSlots {
  private inUse = 0;
  private highWater = 0;
  private readonly waiters: { grant: () => void; signal: AbortSignal; onAbort: () => void }[] = [];

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`channel capacity ${capacity}`);
  }

  /** Resolves with a release function once a slot is free; rejects with the signal's reason on abort. */
  acquire(signal: AbortSignal): Promise<() => void> {
    if (signal.aborted) return Promise.reject(signal.reason);
    if (this.inUse < this.capacity) return Promise.resolve(this.take());
    return new Promise((resolve, reject) => {
      const waiter = {
        signal,
        grant: () => {
          signal.removeEventListener('abort', waiter.onAbort);
          resolve(this.take());
        },
        onAbort: () => {
          const i = this.waiters.indexOf(waiter);
          if (i >= 0) this.waiters.splice(i, 1);
          reject(signal.reason);
        },
      };
      signal.addEventListener('abort', waiter.onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  get active(): number {
    return this.inUse;
  }
  get queued(): number {
    return this.waiters.length;
  }
  /** The most slots ever held at once. */
  get peak(): number {
    return this.highWater;
  }

  private take(): () => void {
    this.inUse++;
    this.highWater = Math.max(this.highWater, this.inUse);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inUse--;
      this.waiters.shift()?.grant();
    };
  }
}
