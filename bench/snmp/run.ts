/*
 * bench/snmp: havoc's switch collector against Prometheus' snmp_exporter
 * (Debian prometheus-snmp-exporter 0.21), same snmpd, same columns, on
 * agents with 48 and 192 ports, directly and through a relay that delays
 * every datagram. Needs root (namespaces) and the Debian packages snmpd and
 * prometheus-snmp-exporter.
 *
 *   node --import tsx bench/snmp/run.ts [--scrapes 15] [--delay-ms 2] [--ports 48,192]
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderSwitchSnapshot } from '../../exporters/collectors/switch.js';
import {
  COUNTER_COLUMNS,
  collectSwitch,
  type SwitchSnapshot,
} from '../../exporters/collectors/switch-snapshot.js';
import { ExpositionRegistry } from '../../exporters/metric-family.js';
import { PortLookupCache } from '../../protocols/snmp/port-lookup.js';
import { SnmpSession } from '../../protocols/snmp/session.js';
import { startSnmpd } from '../../test/support/snmpd.js';
import { openTempRoot, tempDir } from '../../test/support/temp-dir.js';
import { benchArgs, positiveNumber, usageError } from '../support/args.js';
import { median } from '../support/stats.js';
import { difference, exporterCoverage, havocCoverage } from './coverage.js';
import { SnmpExporter, writeExporterConfig } from './snmp-exporter.js';
import { DelayRelay } from './udp-relay.js';

const USAGE =
  'node --import tsx bench/snmp/run.ts [--scrapes 15] [--delay-ms 2] [--ports 48,192]   (as root)';
const values = benchArgs(USAGE, {
  scrapes: { type: 'string', default: '15' },
  'delay-ms': { type: 'string', default: '2' },
  ports: { type: 'string', default: '48,192' },
});
const scrapes = positiveNumber(values.scrapes, '--scrapes', USAGE);
const delayMs = Number(values['delay-ms']);
if (!(delayMs >= 0)) usageError(`--delay-ms must be 0 or more, not "${values['delay-ms']}"`, USAGE);
const portCounts = values.ports.split(',').map((n) => positiveNumber(n, '--ports', USAGE));
const here = dirname(fileURLToPath(import.meta.url));

async function havocScrape(
  host: string,
  port: number,
  community: string,
  cache: PortLookupCache,
): Promise<{ ms: number; requests: number; snapshot: SwitchSnapshot }> {
  const started = performance.now();
  const session = new SnmpSession({
    host,
    port,
    credentials: { version: '2c', community },
    timeoutMs: 30_000,
  });
  try {
    const snapshot = await collectSwitch(session, cache, AbortSignal.timeout(60_000));
    const registry = new ExpositionRegistry();
    renderSwitchSnapshot(snapshot, registry);
    await registry.metrics();
    return { ms: performance.now() - started, requests: session.stats.requests, snapshot };
  } finally {
    session.close();
  }
}

interface Row {
  ports: number;
  path: string;
  havocCached: number;
  havocCold: number;
  exporterSame: number;
  exporterFull: number;
  requestsCached: number;
  requestsCold: number;
  coverage: string;
}

async function benchAgent(ports: number, rows: Row[]): Promise<void> {
  const agent = await startSnmpd({ ports });
  const dir = tempDir('hvs-bench-');
  let relay: DelayRelay | undefined;
  let exporter: SnmpExporter | undefined;
  try {
    relay = await DelayRelay.start({ host: agent.address, port: agent.port }, delayMs);
    const config = await writeExporterConfig(
      join(here, 'snmp_exporter-if_mib.yml'),
      dir,
      agent.readCommunity,
      COUNTER_COLUMNS,
    );
    exporter = await SnmpExporter.start(config);
    const paths = [
      { name: 'direct (veth)', host: agent.address, port: agent.port },
      { name: `relay +${delayMs} ms each way`, host: '127.0.0.1', port: relay.port },
    ];
    for (const path of paths) {
      const target = `${path.host}:${path.port}`;
      const cache = new PortLookupCache();
      const warm = await havocScrape(path.host, path.port, agent.readCommunity, cache);
      const exporterText = await exporter.scrape(target, 'if_mib_havoc');
      const ours = havocCoverage(warm.snapshot);
      const theirs = exporterCoverage(exporterText);
      const missing = difference(theirs, ours);
      const extra = difference(ours, theirs);
      const coverage =
        missing.length === 0 && extra.length === 0
          ? `equal (${ours.size} pairs)`
          : `DIFFERENT: havoc lacks ${missing.slice(0, 3).join(' ')} (${missing.length}), has extra ${extra.slice(0, 3).join(' ')} (${extra.length})`;
      await exporter.scrape(target, 'if_mib');

      const t = { cached: [] as number[], cold: [] as number[], same: [] as number[], full: [] as number[] };
      let requestsCached = 0;
      let requestsCold = 0;
      // Interleaved, so drift on a shared machine hits every variant alike.
      for (let i = 0; i < scrapes; i++) {
        const cached = await havocScrape(path.host, path.port, agent.readCommunity, cache);
        t.cached.push(cached.ms);
        requestsCached = cached.requests;
        const cold = await havocScrape(path.host, path.port, agent.readCommunity, new PortLookupCache());
        t.cold.push(cold.ms);
        requestsCold = cold.requests;
        let started = performance.now();
        await exporter.scrape(target, 'if_mib_havoc');
        t.same.push(performance.now() - started);
        started = performance.now();
        await exporter.scrape(target, 'if_mib');
        t.full.push(performance.now() - started);
      }
      rows.push({
        ports,
        path: path.name,
        havocCached: median(t.cached),
        havocCold: median(t.cold),
        exporterSame: median(t.same),
        exporterFull: median(t.full),
        requestsCached,
        requestsCold,
        coverage,
      });
      process.stderr.write(`${ports} ports, ${path.name}: done\n`);
    }
  } finally {
    exporter?.stop();
    relay?.close();
    await agent.stop();
  }
}

const rows: Row[] = [];
// The snmpd helper and this bench make their directories with test/support's tempDir, under one root removed here.
const temp = openTempRoot();
try {
  for (const ports of portCounts) await benchAgent(ports, rows);
} finally {
  temp.remove();
}

const f = (ms: number) => ms.toFixed(1);
console.log(
  `\nMedian scrape time over ${scrapes} scrapes (ms); net-snmp snmpd 5.9.3 in a namespace, v2c, max-repetitions 25 on both sides.`,
);
console.log(
  '"same coverage": snmp_exporter module if_mib_havoc = the if_mib module cut to the columns havoc reads.\n',
);
console.log(
  '| ports | path | havoc, names cached | havoc, names walked | snmp_exporter, same coverage | ratio (cached) | ratio (walked) | snmp_exporter, full if_mib | havoc PDUs cached/walked | coverage |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(
    `| ${r.ports} | ${r.path} | ${f(r.havocCached)} | ${f(r.havocCold)} | ${f(r.exporterSame)} | ${(r.exporterSame / r.havocCached).toFixed(1)}x | ${(r.exporterSame / r.havocCold).toFixed(1)}x | ${f(r.exporterFull)} | ${r.requestsCached}/${r.requestsCold} | ${r.coverage} |`,
  );
}
