import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';

/**
 * One connected UDP socket to one BMC: send datagrams, and wait for the
 * first incoming datagram a caller-supplied matcher accepts. Datagrams the
 * matcher rejects (stale answers to earlier retransmissions, noise) are
 * dropped and counted, never queued for later.
 */
export class UdpChannel {
  readonly #socket: Socket;
  #waiter: ((buf: Buffer) => void) | undefined;
  #portUnreachable = false;
  #ignored = 0;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on('message', (buf) => this.#waiter?.(buf));
    // A connected UDP socket reports ICMP port-unreachable as ECONNREFUSED.
    // The BMC may be rebooting, so this is remembered for the error message
    // while retransmission goes on until the deadline.
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNREFUSED') this.#portUnreachable = true;
    });
  }

  static async open(host: string, port: number, signal: AbortSignal): Promise<UdpChannel> {
    const socket = createSocket(isIPv6(host) ? 'udp6' : 'udp4');
    const channel = new UdpChannel(socket);
    try {
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => reject(signal.reason);
        if (signal.aborted) return onAbort();
        signal.addEventListener('abort', onAbort, { once: true });
        socket.once('error', reject);
        socket.connect(port, host, () => {
          signal.removeEventListener('abort', onAbort);
          socket.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      channel.close();
      throw err;
    }
    return channel;
  }

  /** ICMP port unreachable was seen: nothing listens on the BMC's port. */
  get portUnreachable(): boolean {
    return this.#portUnreachable;
  }

  /** Datagrams that arrived but matched no pending request. */
  get ignoredDatagrams(): number {
    return this.#ignored;
  }

  send(buf: Buffer): void {
    this.#socket.send(buf, (err) => {
      if ((err as NodeJS.ErrnoException | null)?.code === 'ECONNREFUSED') this.#portUnreachable = true;
    });
  }

  /**
   * Resolves with the first value `accept` returns for an incoming datagram,
   * or undefined after `waitMs`. Rejects with the signal's reason on abort.
   */
  receive<T>(
    accept: (buf: Buffer) => T | undefined,
    waitMs: number,
    signal: AbortSignal,
  ): Promise<T | undefined> {
    return new Promise<T | undefined>((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const finish = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        this.#waiter = undefined;
      };
      const onAbort = () => {
        finish();
        reject(signal.reason);
      };
      const timer = setTimeout(() => {
        finish();
        resolve(undefined);
      }, waitMs);
      signal.addEventListener('abort', onAbort, { once: true });
      this.#waiter = (buf) => {
        let value: T | undefined;
        try {
          value = accept(buf);
        } catch {
          value = undefined;
        }
        if (value === undefined) {
          this.#ignored++;
          return;
        }
        finish();
        resolve(value);
      };
    });
  }

  close(): void {
    this.#waiter = undefined;
    try {
      this.#socket.close();
    } catch {
      // already closed
    }
  }
}
