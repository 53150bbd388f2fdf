import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';

/**
 * A UDP relay on 127.0.0.1 that holds every datagram for a fixed delay in
 * each direction, to stand for a switch agent a few milliseconds away (real
 * agents answer in milliseconds; snmpd on a veth answers in microseconds).
 * Each client address gets its own upstream socket, so answers go back to
 * whoever asked. netem is not available on these machines, hence this.
 */
export class DelayRelay {
  readonly #front: Socket;
  readonly #upstreams = new Map<string, Socket>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #port = 0;

  private constructor(
    readonly target: { host: string; port: number },
    readonly delayMs: number,
  ) {
    this.#front = createSocket('udp4');
    this.#front.on('message', (msg, from) => this.#fromClient(msg, from));
  }

  static async start(target: { host: string; port: number }, delayMs: number): Promise<DelayRelay> {
    const relay = new DelayRelay(target, delayMs);
    await new Promise<void>((resolve) => relay.#front.bind(0, '127.0.0.1', resolve));
    relay.#port = relay.#front.address().port;
    return relay;
  }

  get port(): number {
    return this.#port;
  }

  #later(fn: () => void): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      fn();
    }, this.delayMs);
    this.#timers.add(timer);
  }

  #fromClient(msg: Buffer, from: RemoteInfo): void {
    const key = `${from.address}:${from.port}`;
    let upstream = this.#upstreams.get(key);
    if (!upstream) {
      const socket = createSocket('udp4');
      socket.on('message', (answer) => this.#later(() => this.#front.send(answer, from.port, from.address)));
      socket.on('error', () => undefined);
      this.#upstreams.set(key, socket);
      upstream = socket;
    }
    const out = upstream;
    this.#later(() => out.send(msg, this.target.port, this.target.host));
  }

  close(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    for (const socket of this.#upstreams.values()) socket.close();
    this.#front.close();
  }
}
