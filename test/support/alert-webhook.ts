import { join } from 'node:path';
import { openTimeline, type Timeline, type TimelineRecord } from '../../chaos/timeline/index.js';
import { startAlertReceiver } from '../../chaos/watchers/alertmanager.js';
import { watchFields } from '../../chaos/watchers/events.js';
import { tempDir } from './temp-dir.js';

/*
 * The suite runs' Alertmanager webhook receiver (chaos/watchers/alertmanager.ts)
 * on loopback for a test that runs Alertmanager itself: what it writes to
 * its timeline (a file in a tempDir), as alerts with the monotonic time they
 * arrived. Each alert is there once per state (firing, resolved), as a suite
 * run's timeline has it.
 */

export interface ReceivedAlert {
  /** CLOCK_MONOTONIC ms (process.hrtime), as nowMs() gives. */
  receivedMs: number;
  receiver: string;
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  fingerprint: string;
}

export interface AlertWebhook {
  url: string;
  /** Every alert record so far, in order. */
  readonly received: ReceivedAlert[];
  /** Every record the receiver wrote (reachability included). */
  readonly records: TimelineRecord[];
  close(): Promise<void>;
}

/** Monotonic ms on the clock the receiver stamps records with (not performance.now(), whose origin differs). */
export function nowMs(): number {
  return Number(process.hrtime.bigint() / 1000n) / 1000;
}

export async function startAlertWebhook(): Promise<AlertWebhook> {
  const inner = openTimeline(join(tempDir('havoc-alert-webhook-'), 'timeline.jsonl'));
  const records: TimelineRecord[] = [];
  const received: ReceivedAlert[] = [];
  const timeline: Timeline = {
    path: inner.path,
    append(input) {
      const r = inner.append(input);
      records.push(r);
      const f = r.kind === 'watch' ? watchFields('alertmanager/alert', r) : undefined;
      if (f)
        received.push({
          receivedMs: Number(BigInt(r.ns) / 1000n) / 1000,
          receiver: f.receiver ?? '',
          status: f.status,
          labels: f.labels,
          annotations: f.annotations ?? {},
          startsAt: f.startsAt ?? '',
          fingerprint: f.fingerprint ?? '',
        });
      return r;
    },
    flush: () => inner.flush(),
    close: () => inner.close(),
  };
  const receiver = startAlertReceiver({ listen: { host: '127.0.0.1', port: 0 }, timeline });
  const url = await receiver.listening;
  if (!url) throw new Error(`the alert receiver could not listen: ${JSON.stringify(records.at(-1))}`);
  return {
    url,
    received,
    records,
    close: async () => {
      await receiver.stop();
      timeline.close();
    },
  };
}

/** Whether every label of `want` is on the alert. */
export function hasLabels(a: ReceivedAlert, want: Record<string, string>): boolean {
  return Object.entries(want).every(([k, v]) => a.labels[k] === v);
}
