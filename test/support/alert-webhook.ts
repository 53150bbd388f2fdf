import { createServer, type Server } from 'node:http';
import { monotonicMs } from '../../core/deadline.js';

/*
 * An Alertmanager webhook receiver (the v4 payload of
 * prometheus.io/docs/alerting/latest/configuration/#webhook_config) on
 * loopback: every alert of every notification, with the monotonic time it
 * arrived.
 */

export interface ReceivedAlert {
  receivedMs: number;
  receiver: string;
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
}

export interface AlertWebhook {
  url: string;
  received: ReceivedAlert[];
  close(): Promise<void>;
}

export async function startAlertWebhook(): Promise<AlertWebhook> {
  const received: ReceivedAlert[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => {
      body += d;
    });
    req.on('end', () => {
      const at = monotonicMs();
      try {
        const msg = JSON.parse(body) as {
          receiver: string;
          alerts: Omit<ReceivedAlert, 'receivedMs' | 'receiver'>[];
        };
        for (const a of msg.alerts) received.push({ ...a, receiver: msg.receiver, receivedMs: at });
        res.writeHead(200).end();
      } catch {
        res.writeHead(400).end('not an Alertmanager webhook payload');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Whether every label of `want` is on the alert. */
export function hasLabels(a: ReceivedAlert, want: Record<string, string>): boolean {
  return Object.entries(want).every(([k, v]) => a.labels[k] === v);
}
