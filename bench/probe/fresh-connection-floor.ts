/**
 * The floor of a fresh connection per request: the same load as havoc's
 * probe (TARGETS ports on 127.0.0.1, one GET every INTERVAL_MS each) with
 * nothing but node:net, one prebuilt request, no parsing beyond the end of
 * the header, no samples written. What this costs, a probe that keeps a
 * fresh connection per request cannot go below. Prints one JSON line.
 *   node --import tsx fresh-connection-floor.ts INTERVAL_MS FOR_MS PORT...
 */
import { connect } from 'node:net';
import { startLoadMeter } from '../../chaos/probes/process-load.js';

const [intervalMs = '10', forMs = '10000', ...ports] = process.argv.slice(2);
const request = Buffer.from('GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n');
let requests = 0;
let failed = 0;
const load = startLoadMeter();
const timer = setInterval(() => {
  for (const port of ports) {
    const s = connect({ host: '127.0.0.1', port: Number(port), noDelay: true });
    s.on('connect', () => s.write(request));
    s.on('data', (d: Buffer) => {
      if (d.indexOf('\r\n\r\n') < 0) return;
      requests++;
      s.destroy();
    });
    s.on('error', () => failed++);
  }
}, Number(intervalMs));
setTimeout(() => {
  clearInterval(timer);
  setTimeout(() => console.log(JSON.stringify({ kind: 'floor', requests, failed, ...load.stop() })), 600);
}, Number(forMs));
