import { Socket } from 'node:net';
import { nowNs } from './sample.js';

/** An answer bigger than this is cut here: a probe reads a status page, not a download. */
export const MAX_ANSWER_BYTES = 64 * 1024;

export interface Exchange {
  address: string;
  port: number;
  /** Written once connected (built once per probe, not per request); nothing is written when absent (a bare connect). */
  payload?: Buffer;
  /** Returns true once `received` is a whole answer; the connection is then closed. */
  complete(received: Buffer): boolean;
}

export type ExchangeResult =
  | { ok: true; answeredNs: bigint; received: Buffer }
  | { ok: false; answeredNs?: bigint; received: Buffer; error: string };

/** An exchange under way: what its owner can do to it before it settles. */
export interface PendingExchange {
  /** Its start (just before the connect) plus its timeout, on nowNs()'s clock. */
  readonly deadlineNs: bigint;
  readonly settled: boolean;
  /** Fails it as `no answer within MS ms` (or `no whole answer` once some bytes came); the owner calls it at or after the deadline. */
  expire(): void;
  /** Fails it as stopped (the run was cancelled). */
  cancel(): void;
}

const EMPTY = Buffer.alloc(0);

/**
 * One fresh TCP connection (never reused: an outage must show), the payload,
 * and the answer until `complete` says it is whole, the peer closes, or the
 * timeout. `done` is called exactly once with the result, never with an
 * exception. Whatever settles after the deadline is a timeout, however late
 * the owner's timer fires, so one coarse timer can serve every request. A
 * socket subclass, so that its handlers are methods and a request allocates
 * no closures for them (8 targets x 100 Hz: bench/probe/cpu.ts).
 */
class ExchangeSocket extends Socket implements PendingExchange {
  readonly deadlineNs: bigint;
  settled = false;
  private received: Buffer = EMPTY;

  constructor(
    private readonly ex: Exchange,
    private readonly timeoutMs: number,
    private readonly done: (r: ExchangeResult) => void,
  ) {
    super();
    this.deadlineNs = nowNs() + BigInt(timeoutMs) * 1_000_000n;
    this.setNoDelay(true);
    this.on('connect', this.onConnect);
    this.on('data', this.onData);
    this.on('end', this.onEnd);
    this.on('error', this.onError);
    this.connect(ex.port, ex.address);
  }

  expire(): void {
    this.fail(this.timeoutError());
  }

  private timeoutError(): string {
    return `${this.where()}: no ${this.received.length ? 'whole ' : ''}answer within ${this.timeoutMs} ms`;
  }

  cancel(): void {
    this.fail(`${this.where()}: probe stopped before an answer`);
  }

  private where(): string {
    return `${this.ex.address}:${this.ex.port}`;
  }

  private onConnect(): void {
    if (this.ex.payload === undefined) this.answered();
    else this.write(this.ex.payload);
  }

  private onData(chunk: Buffer): void {
    this.received = this.received.length === 0 ? chunk : Buffer.concat([this.received, chunk]);
    if (this.ex.complete(this.received) || this.received.length >= MAX_ANSWER_BYTES) this.answered();
  }

  private onEnd(): void {
    this.answered();
  }

  private onError(err: NodeJS.ErrnoException): void {
    // After the result is out, an error (a reset racing the close) says nothing about the target.
    if (!this.settled) this.fail(`${this.where()}: ${err.code ?? err.message}`);
  }

  private answered(): void {
    if (this.settled) return;
    const answeredNs = nowNs();
    if (answeredNs > this.deadlineNs) {
      this.fail(this.timeoutError());
      return;
    }
    this.settled = true;
    // FIN, not RST (resetAndDestroy): RST measured no clearer gain than the noise (bench/probe/cpu.ts) and
    // hands the server an ECONNRESET it may not expect.
    this.destroy();
    this.done({ ok: true, answeredNs, received: this.received });
  }

  private fail(error: string): void {
    if (this.settled) return;
    this.settled = true;
    this.destroy();
    this.done({
      ok: false,
      received: this.received,
      error: nowNs() > this.deadlineNs ? this.timeoutError() : error,
    });
  }
}

/** Starts one exchange; see ExchangeSocket. The owner calls expire() once the deadline has passed. */
export function startExchange(
  ex: Exchange,
  timeoutMs: number,
  done: (r: ExchangeResult) => void,
): PendingExchange {
  return new ExchangeSocket(ex, timeoutMs, done);
}

/**
 * One exchange as a promise, with its own timeout and stopped by the signal:
 * for one-off requests (the probe loop uses startExchange and times out all
 * its requests with one timer). Never rejects: a failure is a result.
 */
export function exchange(ex: Exchange, timeoutMs: number, signal: AbortSignal): Promise<ExchangeResult> {
  return new Promise((resolve) => {
    const onAbort = () => pending.cancel();
    const pending = startExchange(ex, timeoutMs, (r) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve(r);
    });
    // setTimeout may fire a fraction of a ms before the deadline on the monotonic clock.
    const timer = setTimeout(() => pending.expire(), timeoutMs + 1);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}
