/**
 * The same load as havoc's probe (TARGETS URLs, one GET every INTERVAL_MS
 * each, open loop) but over keep-alive connections, for FOR_MS: what havoc
 * saves by NOT reusing connections is what this costs less. Prints one JSON
 * line: the process load and the median request time.
 *   node --import tsx keepalive-poller.ts INTERVAL_MS FOR_MS URL...
 */
import { Agent, request } from 'node:http';
import { startLoadMeter } from '../../chaos/probes/process-load.js';
import { median } from '../support/stats.js';

const [intervalMs = '10', forMs = '10000', ...urls] = process.argv.slice(2);
const agent = new Agent({ keepAlive: true, maxSockets: 4 });
const took: number[] = [];
let failed = 0;
const load = startLoadMeter();
const timer = setInterval(() => {
  for (const url of urls) {
    const sent = process.hrtime.bigint();
    const req = request(url, { agent, timeout: 500 }, (res) => {
      res.resume();
      res.on('end', () => took.push(Number(process.hrtime.bigint() - sent) / 1e6));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => failed++);
    req.end();
  }
}, Number(intervalMs));
setTimeout(() => {
  clearInterval(timer);
  setTimeout(() => {
    agent.destroy();
    console.log(
      JSON.stringify({
        kind: 'keepalive',
        requests: took.length,
        failed,
        medianMs: median(took),
        ...load.stop(),
      }),
    );
  }, 600);
}, Number(forMs));
