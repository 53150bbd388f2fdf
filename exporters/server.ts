import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { errorMessage, HavocError } from '../core/errors.js';
import { formatHostPort, type ListenAddress } from '../core/listen-address.js';
import type { LoadedInventory } from '../inventory/load.js';
import type { CollectContext, Collector } from './collector.js';
import { probeDeadlineMs, runProbe } from './probe.js';
import { isProbeModule, moduleTargets, PROBE_MODULES } from './probe-targets.js';
import { sdGroups } from './sd.js';
import { SelfMetrics } from './self-metrics.js';
import { BasicAuthCheck, type WebConfig } from './web-config.js';

/*
 * The exporter's HTTP server: Prometheus' multi-target pattern on /probe, its
 * own health on /metrics, service discovery on /sd. Long-lived state (SNMP
 * name caches, IPMI cipher-suite memory) lives in one cache per server, passed
 * to every collector, never in module globals.
 */

export interface ExporterOptions {
  loaded: LoadedInventory;
  collectors: readonly Collector[];
  listen: ListenAddress;
  webConfig?: WebConfig;
  log: Logger;
}

export interface RunningExporter {
  /** e.g. http://127.0.0.1:9643 */
  url: string;
  host: string;
  port: number;
  self: SelfMetrics;
  close(): Promise<void>;
}

const TEXT = 'text/plain; charset=utf-8';
const USAGE = '/probe?target=NAME&module=host|switch|bmc|cluster, /sd[?module=MODULE], /metrics';

class HttpProblem extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function send(res: ServerResponse, status: number, type: string, body: string, head: boolean): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(head ? undefined : body);
}

function listOf(values: readonly string[]): string {
  return values.length > 20
    ? `${values.slice(0, 20).join(', ')}, ... (${values.length} in all)`
    : values.join(', ');
}

export async function startExporter(opts: ExporterOptions): Promise<RunningExporter> {
  const self = new SelfMetrics();
  const cache = new Map<string, unknown>();
  const auth = opts.webConfig?.users ? new BasicAuthCheck(opts.webConfig.users) : undefined;
  const base = { loaded: opts.loaded, log: opts.log, cache };
  const inventory = opts.loaded.inventory;

  async function probe(url: URL, req: IncomingMessage, res: ServerResponse): Promise<[string, string]> {
    const module = url.searchParams.get('module');
    const target = url.searchParams.get('target');
    if (!module || !target) throw new HttpProblem(400, `both target and module are required: ${USAGE}`);
    if (!isProbeModule(module)) {
      throw new HttpProblem(400, `unknown module "${module}": use one of ${PROBE_MODULES.join(', ')}`);
    }
    const valid = moduleTargets(inventory, module);
    if (!valid.includes(target)) {
      throw new HttpProblem(
        400,
        `no ${module} target "${target}" in ${opts.loaded.file}: valid targets are ${listOf(valid) || '(none)'}`,
      );
    }
    const gone = new AbortController();
    res.once('close', () => gone.abort(new HavocError('aborted', 'the client went away')));
    const deadlineMs = probeDeadlineMs(req.headers['x-prometheus-scrape-timeout-seconds']?.toString());
    const result = await runProbe({
      target,
      module,
      collectors: opts.collectors,
      context: base,
      deadlineMs,
      signal: gone.signal,
    });
    self.probed(module, target, result);
    return [result.registry.contentType, await result.registry.metrics()];
  }

  function sd(url: URL): [string, string] {
    const only = url.searchParams.get('module');
    if (only !== null && !isProbeModule(only)) {
      throw new HttpProblem(400, `unknown module "${only}": use one of ${PROBE_MODULES.join(', ')}`);
    }
    const ctx: CollectContext = { ...base, signal: new AbortController().signal };
    return ['application/json', JSON.stringify(sdGroups(opts.collectors, ctx, only ?? undefined))];
  }

  async function route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<[string, string]> {
    switch (url.pathname) {
      case '/probe':
        return probe(url, req, res);
      case '/metrics':
        return [self.registry.contentType, await self.registry.metrics()];
      case '/sd':
        return sd(url);
      case '/':
        return [
          TEXT,
          `havoc exporter for cluster ${inventory.cluster.name}\n\n${USAGE.split(', ').join('\n')}\n`,
        ];
      default:
        throw new HttpProblem(404, `havoc exporter: nothing at ${url.pathname}; try ${USAGE}`);
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://exporter');
    const head = req.method === 'HEAD';
    let status = 200;
    try {
      if (req.method !== 'GET' && !head)
        throw new HttpProblem(405, `havoc exporter answers GET only, not ${req.method}`);
      if (auth && !(await auth.allows(req.headers.authorization))) {
        res.setHeader('WWW-Authenticate', 'Basic realm="havoc exporter", charset="UTF-8"');
        throw new HttpProblem(401, 'authentication required (basic auth, see the web config)');
      }
      const [type, body] = await route(req, res, url);
      send(res, status, type, body, head);
    } catch (err) {
      status = err instanceof HttpProblem ? err.status : 500;
      if (status === 500) opts.log.error({ path: url.pathname, error: errorMessage(err) }, 'request failed');
      if (!res.headersSent) send(res, status, TEXT, `${errorMessage(err)}\n`, head);
      else res.destroy();
    } finally {
      self.answered(url.pathname, status);
    }
  }

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    void handle(req, res);
  };
  const tls = opts.webConfig?.tls;
  const server: Server = tls
    ? createHttpsServer({ cert: tls.cert, key: tls.key }, listener)
    : createHttpServer(listener);

  await new Promise<void>((resolve, reject) => {
    const fail = (err: NodeJS.ErrnoException) => {
      const where = formatHostPort(opts.listen.host, opts.listen.port);
      reject(
        new HavocError(
          'environment',
          `cannot listen on ${where}: ${err.code === 'EADDRINUSE' ? 'the address is in use' : (err.code ?? err.message)}`,
          {
            hint: 'choose another --listen HOST:PORT, or stop what listens there',
          },
        ),
      );
    };
    server.once('error', fail);
    server.listen(opts.listen.port, opts.listen.host, () => {
      server.off('error', fail);
      resolve();
    });
  });
  server.on('error', (err) => opts.log.error({ error: errorMessage(err) }, 'exporter server error'));
  const address = server.address() as AddressInfo;
  const hostPort = formatHostPort(address.address, address.port);
  return {
    url: `${tls ? 'https' : 'http'}://${hostPort}`,
    host: address.address,
    port: address.port,
    self,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      // Collectors keep long-lived resources (SSH connections, ...) in the cache;
      // anything with a close() is released, or its sockets keep the process alive.
      for (const value of cache.values()) {
        const closable = value as { close?: () => unknown } | null;
        if (closable && typeof closable.close === 'function') await closable.close();
      }
      cache.clear();
    },
  };
}
