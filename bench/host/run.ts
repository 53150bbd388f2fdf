/*
 * bench/host: median host-module scrape time per lab host, with the SSH
 * connection kept warm between scrapes (the exporter's normal case) and, for
 * contrast, with a fresh connection per scrape (what a per-scrape `ssh host
 * script` would cost). Brings up its own lab (needs root) unless --lab names
 * a running one, and takes it down again.
 *
 *   node --import tsx bench/host/run.ts [--scrapes 20] [--hosts 2] [--lab hxb]
 */
import pino from 'pino';
import { monotonicMs } from '../../core/deadline.js';
import { Redactor } from '../../core/redact.js';
import { hostCollector } from '../../exporters/collectors/host.js';
import { sshPoolOf } from '../../exporters/collectors/host-ssh.js';
import { runProbe } from '../../exporters/probe.js';
import { loadInventory } from '../../inventory/load.js';
import { labDown } from '../../lab/down.js';
import { labInventoryPath, labStateDir } from '../../lab/paths.js';
import { readLabState } from '../../lab/state.js';
import { labUp } from '../../lab/up.js';
import { benchArgs, positiveNumber } from '../support/args.js';
import { markdownTable, median } from '../support/stats.js';

const USAGE = 'node --import tsx bench/host/run.ts [--scrapes 20] [--hosts 2] [--lab hxb]';
const values = benchArgs(USAGE, {
  scrapes: { type: 'string', default: '20' },
  hosts: { type: 'string', default: '2' },
  lab: { type: 'string', default: 'hxb' },
});
const scrapes = positiveNumber(values.scrapes, '--scrapes', USAGE);
const lab = String(values.lab);
const env = process.env;
const log = pino({ level: 'silent' });

const ownLab = !readLabState(labStateDir(lab, env));
if (ownLab) {
  await labUp({
    name: lab,
    hosts: positiveNumber(values.hosts, '--hosts', USAGE),
    volumes: 1,
    recreate: true,
    env,
    signal: AbortSignal.timeout(180_000),
    redactor: new Redactor(),
    progress: () => {},
  });
}
try {
  const loaded = loadInventory(labInventoryPath(lab, env), new Redactor());
  const rows: string[][] = [['host', 'warm median ms', 'cold median ms', 'ratio', 'series']];
  for (const host of loaded.inventory.hosts) {
    const scrape = async (cache: Map<string, unknown>) => {
      const started = monotonicMs();
      const r = await runProbe({
        target: host.name,
        module: 'host',
        collectors: [hostCollector],
        context: { loaded, log, cache },
        deadlineMs: 10_000,
      });
      const text = await r.registry.metrics();
      if (!r.up)
        throw new Error(`scrape of ${host.name} failed: ${r.outcomes.map((o) => o.message).join('; ')}`);
      return {
        ms: monotonicMs() - started,
        series: text.split('\n').filter((l) => l && !l.startsWith('#')).length,
      };
    };
    const warmCache = new Map<string, unknown>();
    await scrape(warmCache); // connect once; the warm runs start from an open connection
    const warm: number[] = [];
    let series = 0;
    for (let i = 0; i < scrapes; i++) {
      const r = await scrape(warmCache);
      warm.push(r.ms);
      series = r.series;
    }
    sshPoolOf({ loaded, log, cache: warmCache, signal: AbortSignal.timeout(1) }).close();
    const cold: number[] = [];
    for (let i = 0; i < scrapes; i++) {
      const cache = new Map<string, unknown>();
      cold.push((await scrape(cache)).ms);
      sshPoolOf({ loaded, log, cache, signal: AbortSignal.timeout(1) }).close();
    }
    const w = median(warm);
    const c = median(cold);
    rows.push([host.name, w.toFixed(1), c.toFixed(1), `${(c / w).toFixed(1)}x`, String(series)]);
  }
  console.log(
    `host module, ${scrapes} scrapes per host (lab ${lab}); cold = a new SSH connection per scrape`,
  );
  console.log(markdownTable(rows[0]!, rows.slice(1)));
} finally {
  if (ownLab) await labDown({ name: lab, env, signal: AbortSignal.timeout(60_000) });
}
