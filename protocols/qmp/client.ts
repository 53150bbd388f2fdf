import { createConnection } from 'node:net';
import type { Duplex } from 'node:stream';
import { deadlineSignal } from '../../core/deadline.js';
import { HavocError } from '../../core/errors.js';
import { encodeCommand, QmpDecoder, type QmpEvent, type QmpGreeting, type QmpMessage } from './framing.js';

export interface QmpCallOptions {
  signal?: AbortSignal;
  /** Deadline for this call; default the client's defaultTimeoutMs. */
  timeoutMs?: number;
}

export interface QmpExecuteOptions extends QmpCallOptions {
  /**
   * Called with the `return` value as its line is read, before any later
   * line of the stream is handled; the promise settles only a microtask
   * later, after the events that came in the same chunk. For a reader that
   * keeps replies and events in the order QEMU sent them.
   */
  onReply?: (value: unknown) => void;
}

export interface QmpConnectOptions extends QmpCallOptions {
  /** Names the VM in errors (the socket path is used when absent). */
  target?: string;
  defaultTimeoutMs?: number;
}

/** QEMU answered a command with an error object. */
export class QmpCommandError extends HavocError {
  readonly errorClass: string;
  readonly command: string;

  constructor(command: string, errorClass: string, desc: string, target: string) {
    super('qmp-error', `QMP ${command} on ${target} failed: ${errorClass}: ${desc}`, { target });
    this.name = 'QmpCommandError';
    this.errorClass = errorClass;
    this.command = command;
  }
}

interface PendingCall {
  command: string;
  onReply: ((value: unknown) => void) | undefined;
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
}

type EventListener = (event: QmpEvent) => void;

/**
 * A QMP client on a unix socket: greeting and capability negotiation on
 * connect, commands correlated by id (so events and replies may interleave),
 * events delivered to listeners and async iterators. Every call has a
 * deadline; closing or losing the socket fails every pending call.
 */
export class QmpClient {
  readonly greeting: QmpGreeting;
  readonly target: string;
  readonly #socket: Duplex;
  readonly #pending = new Map<string, PendingCall>();
  readonly #listeners = new Set<EventListener>();
  readonly #closeListeners = new Set<(err: Error) => void>();
  readonly #defaultTimeoutMs: number;
  #nextId = 1;
  #closedWith: Error | undefined;

  private constructor(socket: Duplex, greeting: QmpGreeting, target: string, defaultTimeoutMs: number) {
    this.#socket = socket;
    this.greeting = greeting;
    this.target = target;
    this.#defaultTimeoutMs = defaultTimeoutMs;
  }

  /** Connects, reads the greeting and enters command mode (qmp_capabilities). */
  static connect(path: string, opts: QmpConnectOptions = {}): Promise<QmpClient> {
    return QmpClient.over(createConnection(path), path, opts);
  }

  /**
   * The same on a stream that is already open to a QMP socket (an SSH
   * channel to a host's unix socket); `path` names the socket in errors.
   * The client owns the stream from here on.
   */
  static async over(socket: Duplex, path: string, opts: QmpConnectOptions = {}): Promise<QmpClient> {
    const target = opts.target ?? path;
    const defaultTimeoutMs = opts.defaultTimeoutMs ?? 10_000;
    const timeoutMs = opts.timeoutMs ?? defaultTimeoutMs;
    const signal = deadlineSignal(timeoutMs, `QMP connect to ${target} (${path})`, opts.signal);
    const decoder = new QmpDecoder();
    const early: QmpMessage[] = [];

    const greeting = await new Promise<QmpGreeting>((resolve, reject) => {
      const fail = (err: Error) => {
        cleanup();
        socket.destroy();
        reject(err);
      };
      const onAbort = () => {
        const reason = signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason));
        fail(
          new HavocError('qmp-connect', `no QMP greeting from ${target}: ${reason.message}`, {
            target,
            hint: `is QEMU running with -qmp unix:${path},server=on and no other client attached?`,
            cause: reason,
          }),
        );
      };
      const onError = (err: NodeJS.ErrnoException) =>
        fail(
          new HavocError(
            'qmp-connect',
            `cannot connect to QMP socket ${path} of ${target}: ${err.code ?? err.message}`,
            {
              target,
              hint: 'is the VM running? (the socket exists only while QEMU does)',
            },
          ),
        );
      const onClose = () =>
        fail(new HavocError('qmp-connect', `QMP socket of ${target} closed before the greeting`, { target }));
      const onData = (chunk: Buffer) => {
        let messages: QmpMessage[];
        try {
          messages = decoder.push(chunk);
        } catch (err) {
          fail(new HavocError('qmp-protocol', `${target}: ${(err as Error).message}`, { target }));
          return;
        }
        const [first, ...rest] = messages;
        if (!first) return;
        if (first.kind !== 'greeting') {
          fail(
            new HavocError(
              'qmp-protocol',
              `${target} did not start with a QMP greeting (got ${first.kind})`,
              { target },
            ),
          );
          return;
        }
        early.push(...rest);
        cleanup();
        resolve(first);
      };
      const cleanup = () => {
        signal.removeEventListener('abort', onAbort);
        socket.off('error', onError);
        socket.off('close', onClose);
        socket.off('data', onData);
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      socket.on('error', onError);
      socket.on('close', onClose);
      socket.on('data', onData);
    });

    const client = new QmpClient(socket, greeting, target, defaultTimeoutMs);
    client.#attach(decoder, early);
    try {
      await client.execute('qmp_capabilities', undefined, { signal, timeoutMs });
    } catch (err) {
      client.destroy();
      throw err;
    }
    return client;
  }

  #attach(decoder: QmpDecoder, early: QmpMessage[]): void {
    for (const message of early) this.#dispatch(message);
    this.#socket.on('data', (chunk: Buffer) => {
      let messages: QmpMessage[];
      try {
        messages = decoder.push(chunk);
      } catch (err) {
        this.#shutdown(
          new HavocError('qmp-protocol', `${this.target}: ${(err as Error).message}`, {
            target: this.target,
          }),
        );
        this.#socket.destroy();
        return;
      }
      for (const message of messages) this.#dispatch(message);
    });
    this.#socket.on('error', (err: NodeJS.ErrnoException) => {
      this.#shutdown(
        new HavocError('qmp-io', `QMP connection to ${this.target} lost: ${err.code ?? err.message}`, {
          target: this.target,
        }),
      );
    });
    // QEMU closing the monitor is the end: an SSH channel to the socket (half-open by default) would otherwise
    // stay open until this side ends it too, and the connection would never report itself closed.
    this.#socket.on('end', () => this.#socket.destroy());
    this.#socket.on('close', () => {
      this.#shutdown(
        new HavocError('qmp-closed', `QMP connection to ${this.target} closed`, { target: this.target }),
      );
    });
  }

  #dispatch(message: QmpMessage): void {
    if (message.kind === 'event') {
      for (const listener of [...this.#listeners]) listener(message);
      return;
    }
    if (message.kind === 'greeting') return;
    const id = typeof message.id === 'string' ? message.id : undefined;
    const call = id === undefined ? undefined : this.#pending.get(id);
    // A reply nobody waits for (its call timed out) is dropped; ids are never reused.
    if (!call || id === undefined) return;
    this.#pending.delete(id);
    if (message.kind === 'return') {
      call.onReply?.(message.value);
      call.resolve(message.value);
    } else call.reject(new QmpCommandError(call.command, message.errorClass, message.desc, this.target));
  }

  #shutdown(err: Error): void {
    if (this.#closedWith) return;
    this.#closedWith = err;
    for (const call of this.#pending.values()) {
      call.reject(
        new HavocError('qmp-closed', `${err.message} while waiting for the reply to ${call.command}`, {
          target: this.target,
        }),
      );
    }
    this.#pending.clear();
    for (const listener of [...this.#closeListeners]) listener(err);
    this.#closeListeners.clear();
    this.#listeners.clear();
  }

  get closed(): boolean {
    return this.#closedWith !== undefined;
  }

  /** Runs one command and resolves with its `return` value. */
  execute<T = unknown>(
    command: string,
    args?: Record<string, unknown>,
    opts: QmpExecuteOptions = {},
  ): Promise<T> {
    const timeoutMs = opts.timeoutMs ?? this.#defaultTimeoutMs;
    const signal = deadlineSignal(timeoutMs, `QMP ${command} on ${this.target}`, opts.signal);
    return new Promise<T>((resolve, reject) => {
      if (this.#closedWith) {
        reject(
          new HavocError('qmp-closed', `cannot run ${command}: ${this.#closedWith.message}`, {
            target: this.target,
          }),
        );
        return;
      }
      const id = `havoc-${this.#nextId++}`;
      let line: string;
      try {
        line = encodeCommand(command, args, id);
      } catch (err) {
        reject(err);
        return;
      }
      const onAbort = () => {
        this.#pending.delete(id);
        reject(signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason)));
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      this.#pending.set(id, {
        command,
        onReply: opts.onReply,
        resolve: (value) => {
          signal.removeEventListener('abort', onAbort);
          resolve(value as T);
        },
        reject: (err) => {
          signal.removeEventListener('abort', onAbort);
          reject(err);
        },
      });
      this.#socket.write(line);
    });
  }

  /** Calls `listener` once when the connection ends (at once if it has); the returned function unsubscribes. */
  onClose(listener: (err: Error) => void): () => void {
    if (this.#closedWith) {
      listener(this.#closedWith);
      return () => {};
    }
    this.#closeListeners.add(listener);
    return () => this.#closeListeners.delete(listener);
  }

  /** Calls `listener` for every event until the returned function is called or the client closes. */
  onEvent(listener: EventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Resolves with the first event named `name` (and matching `predicate`)
   * received after this call; subscribe before issuing the command that
   * causes it, so the event cannot be missed.
   */
  waitForEvent(
    name: string,
    opts: QmpCallOptions & { predicate?: (e: QmpEvent) => boolean } = {},
  ): Promise<QmpEvent> {
    const timeoutMs = opts.timeoutMs ?? this.#defaultTimeoutMs;
    const signal = deadlineSignal(timeoutMs, `QMP event ${name} from ${this.target}`, opts.signal);
    return new Promise<QmpEvent>((resolve, reject) => {
      const finish = (fn: () => void) => {
        unsubscribe();
        this.#closeListeners.delete(onClose);
        signal.removeEventListener('abort', onAbort);
        fn();
      };
      const unsubscribe = this.onEvent((event) => {
        if (event.event === name && (opts.predicate?.(event) ?? true)) finish(() => resolve(event));
      });
      const onClose = (err: Error) => finish(() => reject(err));
      const onAbort = () =>
        finish(() =>
          reject(signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason))),
        );
      if (this.#closedWith) return onClose(this.#closedWith);
      if (signal.aborted) return onAbort();
      this.#closeListeners.add(onClose);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Every event from now until the client closes or `signal` aborts. */
  async *events(signal?: AbortSignal): AsyncGenerator<QmpEvent> {
    const queue: QmpEvent[] = [];
    let wake: (() => void) | undefined;
    let done = this.#closedWith !== undefined;
    const unsubscribe = this.onEvent((event) => {
      queue.push(event);
      wake?.();
    });
    const stop = () => {
      done = true;
      wake?.();
    };
    this.#closeListeners.add(stop);
    signal?.addEventListener('abort', stop, { once: true });
    try {
      while (!(signal?.aborted ?? false)) {
        const next = queue.shift();
        if (next) {
          yield next;
          continue;
        }
        if (done) return;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
    } finally {
      unsubscribe();
      this.#closeListeners.delete(stop);
      signal?.removeEventListener('abort', stop);
    }
  }

  /** Ends the connection after pending writes; QEMU keeps running. */
  async close(opts: QmpCallOptions = {}): Promise<void> {
    if (this.#closedWith && this.#socket.destroyed) return;
    const signal = deadlineSignal(
      opts.timeoutMs ?? 2_000,
      `closing QMP connection to ${this.target}`,
      opts.signal,
    );
    await new Promise<void>((resolve) => {
      const finish = () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        this.#socket.destroy();
        finish();
      };
      if (this.#socket.destroyed) return finish();
      this.#socket.once('close', finish);
      signal.addEventListener('abort', onAbort, { once: true });
      this.#socket.end();
    });
    this.#shutdown(
      new HavocError('qmp-closed', `QMP connection to ${this.target} was closed by us`, {
        target: this.target,
      }),
    );
  }

  /** Drops the connection at once. */
  destroy(): void {
    this.#socket.destroy();
    this.#shutdown(
      new HavocError('qmp-closed', `QMP connection to ${this.target} was closed by us`, {
        target: this.target,
      }),
    );
  }
}
