import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { deadlineSignal, pollUntil } from '../../core/deadline.js';
import {
  type AlertmanagerExampleOptions,
  alertmanagerExample,
} from '../../dashboards/alerts/alertmanager-example.js';
import { exportAlertFiles } from '../../dashboards/alerts/export.js';
import { havoc } from '../cli/run.js';
import { type LocalDaemon, startLocalDaemon } from './local-daemon.js';
import { freePort, stderrOf, stopProcess } from './local-processes.js';
import { type PromSample, promQuery } from './prometheus-query.js';

/*
 * The alerting path as a user runs it, on loopback around a lab: `havoc
 * exporter serve` (the CLI, as a process) for the lab's inventory, Debian's
 * Prometheus scraping it every 5 s (evaluation every 5 s) with the rule files
 * `havoc alerts export` writes and the jobs `havoc exporter prometheus-config`
 * prints, and Debian's Alertmanager with the exported route example, its
 * receivers pointing where the test says (group_wait 1 s unless told).
 * Everything on its own ports and files, stopped by PID.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface AlertStack {
  promUrl: string;
  amUrl: string;
  query(promql: string): ReturnType<typeof promQuery>;
  /** The targets Prometheus scrapes, with the health and duration of their last scrape. */
  targets(): Promise<ActiveTarget[]>;
  /**
   * Until every target Prometheus discovered has been scraped at least twice and its last scrapes
   * succeeded. Each target is scraped at its own offset within the interval (a host's first scrape also
   * opens its SSH connection), so waiting on one job's series says nothing of the others, and rates need
   * two samples of the same target.
   */
  everyTargetScrapedTwice(): Promise<ActiveTarget[]>;
  stop(): Promise<void>;
}

export interface ActiveTarget {
  job: string;
  instance: string;
  health: string;
  lastError: string;
  lastScrapeDuration: number;
}

/** Prometheus' /api/v1/targets, active ones. */
async function activeTargets(promUrl: string): Promise<ActiveTarget[]> {
  const res = await fetch(`${promUrl}/api/v1/targets?state=active`, { signal: AbortSignal.timeout(5000) });
  const body = (await res.json()) as {
    data: {
      activeTargets: {
        labels: Record<string, string>;
        health: string;
        lastError: string;
        lastScrapeDuration: number;
      }[];
    };
  };
  return body.data.activeTargets.map((t) => ({
    job: t.labels['job'] ?? '',
    instance: t.labels['instance'] ?? '',
    health: t.health,
    lastError: t.lastError,
    lastScrapeDuration: t.lastScrapeDuration,
  }));
}

async function everyTargetScrapedTwice(promUrl: string): Promise<ActiveTarget[]> {
  return eventually(
    'every discovered target scraped twice, its last scrape up',
    async () => {
      const active = await activeTargets(promUrl);
      const scrapes = await promQuery(promUrl, 'count_over_time(up{job=~"havoc-.+"}[5m])');
      const lastUp = await promQuery(promUrl, 'min_over_time(up{job=~"havoc-.+"}[11s])');
      const of = (rows: PromSample[], t: ActiveTarget) =>
        rows.find((r) => r.metric['instance'] === t.instance && r.metric['job'] === t.job)?.value[1];
      const jobs = new Set(active.map((t) => t.job));
      // The exporter's own job and one per module.
      return jobs.size >= 5 && active.every((t) => Number(of(scrapes, t)) >= 2 && of(lastUp, t) === '1')
        ? active
        : undefined;
    },
    90_000,
  ).catch(async (err: unknown) => {
    throw new Error(`${(err as Error).message}; targets: ${JSON.stringify(await activeTargets(promUrl))}`);
  });
}

/** Polls `check`; an error (a daemon still starting, a refused connection) counts as "not yet", its text kept for the timeout. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  ms: number,
): Promise<T> {
  let lastError = '';
  try {
    return await pollUntil(
      () =>
        check().catch((err: unknown) => {
          lastError = (err as Error).message;
          return undefined;
        }),
      deadlineSignal(ms, what),
      { initialMs: 200, maxMs: 1000 },
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}${lastError ? ` (last error: ${lastError})` : ''}`);
  }
}

export async function startAlertStack(o: {
  inventory: string;
  /** A tempDir for the configs and the daemons' data. */
  work: string;
  /** Receiver URLs and timings of the route example. */
  route: AlertmanagerExampleOptions;
}): Promise<AlertStack> {
  const started: { stop(): Promise<void> }[] = [];
  const stop = async () => {
    for (const s of started.reverse()) await s.stop();
  };
  try {
    const exporterPort = await freePort();
    const exporter: ChildProcess = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'cli/havoc.ts',
        '-i',
        o.inventory,
        'exporter',
        'serve',
        '--listen',
        `127.0.0.1:${exporterPort}`,
      ],
      { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const exporterErr = stderrOf(exporter);
    let stopping = false;
    started.push({
      stop: () => {
        stopping = true;
        return stopProcess(exporter);
      },
    });
    exporter.once('exit', (code, signal) => {
      // An exporter that dies makes every later query empty: say so, with what it printed.
      if (!stopping) console.error(`exporter exited (code ${code}, signal ${signal}): ${exporterErr()}`);
    });
    await eventually(
      'the exporter listening',
      async () => (exporterErr().includes('listening on') ? true : undefined),
      30_000,
    );

    const files = exportAlertFiles(join(o.work, 'alerts'));
    const amPort = await freePort();
    const amUrl = `http://127.0.0.1:${amPort}`;
    writeFileSync(
      join(o.work, 'alertmanager.yml'),
      alertmanagerExample({ groupWait: '1s', groupInterval: '1s', repeatInterval: '1h', ...o.route }),
    );
    const am: LocalDaemon = await startLocalDaemon(
      '/usr/bin/prometheus-alertmanager',
      [
        `--config.file=${join(o.work, 'alertmanager.yml')}`,
        `--storage.path=${join(o.work, 'am-data')}`,
        `--web.listen-address=127.0.0.1:${amPort}`,
        '--cluster.listen-address=',
        '--log.level=warn',
      ],
      { readyUrl: `${amUrl}/-/ready`, debianPackage: 'prometheus-alertmanager' },
    );
    started.push(am);

    const config = await havoc([
      '-i',
      o.inventory,
      'exporter',
      'prometheus-config',
      '--exporter',
      `127.0.0.1:${exporterPort}`,
      '--scrape-interval',
      '5',
    ]);
    if (config.code !== 0) throw new Error(`havoc exporter prometheus-config: ${config.stderr}`);
    const prom = parse(config.stdout) as Record<string, unknown>;
    prom['global'] = { scrape_interval: '5s', evaluation_interval: '5s' };
    prom['rule_files'] = files.rules;
    prom['alerting'] = { alertmanagers: [{ static_configs: [{ targets: [`127.0.0.1:${amPort}`] }] }] };
    writeFileSync(join(o.work, 'prometheus.yml'), stringify(prom));
    const promPort = await freePort();
    const promUrl = `http://127.0.0.1:${promPort}`;
    const prometheus = await startLocalDaemon(
      '/usr/bin/prometheus',
      [
        `--config.file=${join(o.work, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(o.work, 'prom-data')}`,
        `--web.listen-address=127.0.0.1:${promPort}`,
        '--log.level=warn',
      ],
      { readyUrl: `${promUrl}/-/ready`, debianPackage: 'prometheus' },
    );
    started.push(prometheus);
    return {
      promUrl,
      amUrl,
      query: (promql) => promQuery(promUrl, promql),
      targets: () => activeTargets(promUrl),
      everyTargetScrapedTwice: () => everyTargetScrapedTwice(promUrl),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
