import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';

/**
 * A stand-in for the lab guest's web page (lab/guest/initScript.ts serves
 * `boot_id=<uuid> counter=<n>` with busybox httpd): a real HTTP server that
 * answers in the same format, its counter going up every 100 ms, so probes
 * can be tested without booting a QEMU guest. Run as a program
 * (`node --import tsx guest-page-server.ts ADDRESS PORT[,PORT...]`) to serve from
 * inside a network namespace; it prints one JSON line once listening.
 */
export interface GuestPage {
  port: number;
  bootId: string;
  close(): Promise<void>;
}

export async function serveGuestPage(address: string, port = 0): Promise<GuestPage> {
  const bootId = randomUUID();
  const started = Date.now();
  const server = http.createServer((_req, res) => {
    const body = `boot_id=${bootId} counter=${Math.floor((Date.now() - started) / 100)}\n`;
    res.writeHead(200, { 'content-type': 'text/html', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    bootId,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [address = '127.0.0.1', ports = '80'] = process.argv.slice(2);
  const pages = await Promise.all(ports.split(',').map((p) => serveGuestPage(address, Number(p))));
  console.log(
    JSON.stringify({ listening: pages.map((p) => `${address}:${p.port}`), bootId: pages[0]!.bootId }),
  );
  const stop = () => void Promise.all(pages.map((p) => p.close())).then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
