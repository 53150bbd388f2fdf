import { connect } from 'node:net';

/**
 * Connects over TCP and resolves with the first bytes the server sends (SSH
 * and NBD servers both speak first), or undefined if the connection fails or
 * stays silent until the signal aborts.
 */
export function tcpGreeting(address: string, port: number, signal: AbortSignal): Promise<string | undefined> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve(undefined);
      return;
    }
    const sock = connect({ host: address, port });
    const finish = (value: string | undefined) => {
      signal.removeEventListener('abort', onAbort);
      sock.destroy();
      resolve(value);
    };
    const onAbort = () => finish(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    sock.once('data', (d) => finish(d.toString('latin1')));
    sock.once('error', () => finish(undefined));
    sock.once('close', () => finish(undefined));
  });
}
