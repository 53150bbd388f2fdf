import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { errorMessage } from '../../core/errors.js';
import { formatHostPort, type ListenAddress } from '../../core/listen-address.js';
import { parseWebhookPayload, type WebhookPayload } from '../../protocols/alertmanager/webhook-payload.js';
import type { Timeline } from '../timeline/index.js';
import { WatchEmitter, WatchVocabularyError } from './watch-emitter.js';
import type { RunningWatcher, Watcher } from './watcher.js';

/*
 * The run's Alertmanager webhook receiver: Alertmanager POSTs every
 * notification of a route that points here (a webhook_config with
 * send_resolved), and each alert in it becomes an `alertmanager/alert`
 * record when its state changes (firing, resolved, a new startsAt), per
 * alert (fingerprint), stamped when the notification arrived. Alertmanager
 * repeats a group's alerts in every notification of that group: those
 * repeats are no change and are not written.
 *
 * `alertmanager/reachability` says whether the receiver heard: true once it
 * listens; false when it cannot listen, or when a notification could not be
 * read (a bad payload, alerts truncated by max_alerts), then true again, so
 * the verdict of the step in which a notification was lost is inconclusive
 * and the steps after it are not. A bad payload gets a 400, never a crash.
 */

/** A notification is a few KiB; max_alerts 0 (no limit) on a large outage can make it MiBs. */
const MAX_BODY_BYTES = 8 * 1024 * 1024;
/** Alertmanager's own webhook timeout is 10 s by default (0.25 has none: it waits for the group interval). */
const REQUEST_TIMEOUT_MS = 30_000;

export interface RunningAlertReceiver extends RunningWatcher {
  /** Resolves once the first reachability record is on the timeline: the URL listened on, or undefined when it could not listen. */
  readonly listening: Promise<string | undefined>;
  readonly ready: Promise<void>;
}

export interface AlertReceiverOptions {
  listen: ListenAddress;
  timeline: Timeline;
  log?: Logger | undefined;
}

/** The watcher for the run's `--alert-webhook HOST:PORT` (started by startWatchers when one is given). */
export function alertmanagerWatcher(listen: ListenAddress): Watcher {
  return {
    name: 'alertmanager',
    start: (ctx) => startAlertReceiver({ listen, timeline: ctx.timeline, log: ctx.log }),
  };
}

/** Records what one payload says; a class of its own so it is tested without a socket. */
export class AlertRecorder {
  private readonly emit: WatchEmitter<'alertmanager'>;
  private problems = 0;

  constructor(timeline: Timeline) {
    this.emit = new WatchEmitter(timeline, 'alertmanager');
  }

  listening(ns: bigint): void {
    this.emit.state('reachability', 'cluster', { reachable: true }, ns);
  }

  /** Not heard: the receiver cannot listen, or a notification could not be read; `recovered` ends the gap at once. */
  problem(error: string, ns: bigint, recovered: boolean): void {
    this.problems++;
    this.emit.state('reachability', 'cluster', { reachable: false, error }, ns);
    if (recovered) this.emit.state('reachability', 'cluster', { reachable: true }, ns);
  }

  get problemCount(): number {
    return this.problems;
  }

  /** Writes every alert of the payload whose state changed; returns how many were written. */
  notification(payload: WebhookPayload, ns: bigint): number {
    let written = 0;
    for (const a of payload.alerts) {
      const alertname = a.labels.alertname!;
      const changed = this.emit.state(
        'alert',
        `alert:${alertname}`,
        {
          status: a.status,
          labels: a.labels,
          startsAt: a.startsAt,
          fingerprint: a.fingerprint,
          annotations: a.annotations,
          receiver: payload.receiver,
        },
        ns,
        ['annotations', 'receiver'],
        `${alertname}\u0000${a.fingerprint}`,
      );
      if (changed) written++;
    }
    if (payload.truncatedAlerts > 0)
      this.problem(
        `Alertmanager left ${payload.truncatedAlerts} alert(s) of group ${payload.groupKey} out of a notification (max_alerts of receiver ${payload.receiver})`,
        ns,
        true,
      );
    return written;
  }
}

function readBody(req: IncomingMessage): Promise<string | 'too-large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    req.on('data', (d: Buffer) => {
      bytes += d.length;
      if (bytes <= MAX_BODY_BYTES) chunks.push(d);
    });
    req.on('end', () =>
      resolve(bytes > MAX_BODY_BYTES ? 'too-large' : Buffer.concat(chunks).toString('utf8')),
    );
    req.on('error', reject);
  });
}

/** Listens on `listen` and writes to the timeline until stop(); never throws for what a peer sends. */
export function startAlertReceiver(o: AlertReceiverOptions): RunningAlertReceiver {
  const recorder = new AlertRecorder(o.timeline);
  const where = formatHostPort(o.listen.host, o.listen.port);
  let bug: Error | undefined;
  const guard = (f: () => void) => {
    try {
      f();
    } catch (err) {
      // Only a record our own vocabulary refuses lands here: a bug, which stop() reports.
      if (err instanceof WatchVocabularyError) bug ??= err;
      else throw err;
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method === 'GET' || req.method === 'HEAD') {
      res
        .writeHead(200, { 'content-type': 'text/plain' })
        .end('havoc alert receiver: POST Alertmanager webhook payloads (version 4) here\n');
      return;
    }
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST, GET' }).end();
      return;
    }
    const body = await readBody(req);
    const ns = process.hrtime.bigint();
    const from = `${req.socket.remoteAddress ?? '?'} ${req.method} ${req.url ?? '/'}`;
    if (body === 'too-large') {
      guard(() =>
        recorder.problem(`a notification from ${from} was over ${MAX_BODY_BYTES} bytes: not read`, ns, true),
      );
      res.writeHead(413).end('over 8 MiB: not read\n');
      return;
    }
    let payload: WebhookPayload;
    try {
      payload = parseWebhookPayload(body);
    } catch (err) {
      const why = errorMessage(err);
      o.log?.warn(`alert receiver ${where}: a POST from ${from}: ${why}`);
      guard(() => recorder.problem(`a POST from ${from} could not be read: ${why}`, ns, true));
      res.writeHead(400, { 'content-type': 'text/plain' }).end(`${why}\n`);
      return;
    }
    guard(() => {
      recorder.notification(payload, ns);
    });
    res.writeHead(200).end();
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      // A request that broke off mid-body (the peer went away): nothing was read, nothing to answer.
      o.log?.warn(`alert receiver ${where}: ${errorMessage(err)}`);
      if (!res.headersSent) res.writeHead(400).end();
    });
  });
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.headersTimeout = REQUEST_TIMEOUT_MS;

  const listening = new Promise<string | undefined>((resolve) => {
    const failed = (err: NodeJS.ErrnoException) => {
      const why =
        err.code === 'EADDRINUSE'
          ? 'the address is in use'
          : err.code === 'EADDRNOTAVAIL'
            ? 'not an address of this station'
            : (err.code ?? err.message);
      o.log?.warn(`alert receiver: cannot listen on ${where}: ${why}`);
      guard(() => recorder.problem(`cannot listen on ${where}: ${why}`, process.hrtime.bigint(), false));
      resolve(undefined);
    };
    server.once('error', failed);
    server.listen(o.listen.port, o.listen.host, () => {
      server.off('error', failed);
      server.on('error', (err) => o.log?.warn(`alert receiver ${where}: ${err.message}`));
      const addr = server.address() as { address: string; port: number };
      const url = `http://${formatHostPort(addr.address, addr.port)}/`;
      guard(() => recorder.listening(process.hrtime.bigint()));
      resolve(url);
    });
  });

  return {
    name: 'alertmanager',
    listening,
    ready: listening.then(() => undefined),
    async stop() {
      await listening;
      if (server.listening) {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await closed;
      }
      if (bug) throw bug;
    },
  };
}
