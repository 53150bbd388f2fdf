import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';

/** A test server's HTTP(S) listener on 127.0.0.1 and a free port. */
export interface LoopbackListener {
  url: string;
  close(): Promise<void>;
}

export async function listenLoopback(
  handler: http.RequestListener,
  tls?: { key: string | Buffer; cert: string | Buffer },
): Promise<LoopbackListener> {
  const server = tls
    ? https.createServer({ key: tls.key, cert: tls.cert }, handler)
    : http.createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
