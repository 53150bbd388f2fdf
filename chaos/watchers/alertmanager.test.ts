import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deadlineSignal, pollUntil } from '../../core/deadline.js';
import { alertmanagerExample } from '../../dashboards/alerts/alertmanager-example.js';
import { type AlertWebhook, startAlertWebhook } from '../../test/support/alert-webhook.js';
import { type LocalDaemon, startLocalDaemon } from '../../test/support/local-daemon.js';
import { freePort } from '../../test/support/local-processes.js';
import { tempDir } from '../../test/support/temp-dir.js';
import { openTimeline, type TimelineRecord } from '../timeline/index.js';
import { startAlertReceiver } from './alertmanager.js';

// The version 4 payload as documented (protocols/alertmanager/fixtures/SOURCES.md).
const DOCUMENTED = readFileSync(
  new URL('../../protocols/alertmanager/fixtures/webhook-v4-documented.json', import.meta.url),
  'utf8',
);

const post = (url: string, body: string) =>
  fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json' } });

const watchRecords = (records: readonly TimelineRecord[], event: string) =>
  records.filter(
    (r): r is Extract<TimelineRecord, { kind: 'watch' }> => r.kind === 'watch' && r.event === event,
  );

function payload(edit: (p: Record<string, unknown> & { alerts: Record<string, unknown>[] }) => void) {
  const p = JSON.parse(DOCUMENTED);
  edit(p);
  return JSON.stringify(p);
}

describe('the Alertmanager webhook receiver (documented payloads over HTTP)', () => {
  let hook: AlertWebhook;
  beforeAll(async () => {
    hook = await startAlertWebhook();
  });
  afterAll(async () => {
    await hook?.close();
  });

  it('writes reachability first, then each alert once per state, by fingerprint', async () => {
    expect(watchRecords(hook.records, 'reachability').map((r) => r.fields)).toEqual([{ reachable: true }]);
    expect((await post(hook.url, DOCUMENTED)).status).toBe(200);
    // Alertmanager repeats a group's alerts in every notification of the group: no change, no record.
    expect((await post(hook.url, DOCUMENTED)).status).toBe(200);
    const firstTwo = hook.received.map((a) => `${a.fingerprint} ${a.status} ${a.labels.host}`);
    expect(firstTwo).toEqual(['3f1c2b9d0a7e4c11 firing host2', '9b0e41d27c5a3f08 resolved host1']);
    const alert = watchRecords(hook.records, 'alert')[0]!;
    expect(alert.subject).toBe('alert:HASwitchPortDown');
    expect(alert.fields).toMatchObject({
      status: 'firing',
      startsAt: '2026-12-01T15:35:12.345Z',
      fingerprint: '3f1c2b9d0a7e4c11',
      receiver: 'havoc-suite',
      labels: { alertname: 'HASwitchPortDown', host: 'host2', port: 'swp7' },
      annotations: { summary: 'Switch port swp7 of host2 (storage) is down.' },
    });
    // host2's alert resolves; host1's fires again (a new startsAt): two records, one per alert.
    await post(
      hook.url,
      payload((p) => {
        p.alerts[0]!.status = 'resolved';
        p.alerts[1]!.status = 'firing';
        p.alerts[1]!.startsAt = '2026-12-01T15:40:00.000Z';
        p.alerts[1]!.annotations = { summary: 'changed text is no change of state' };
      }),
    );
    expect(hook.received.slice(2).map((a) => `${a.fingerprint} ${a.status} ${a.startsAt}`)).toEqual([
      '3f1c2b9d0a7e4c11 resolved 2026-12-01T15:35:12.345Z',
      '9b0e41d27c5a3f08 firing 2026-12-01T15:40:00.000Z',
    ]);
  });

  it('answers a bad payload with 400 and records the problem (a gap of no length), then goes on', async () => {
    const before = hook.records.length;
    const notJson = await post(hook.url, '{"version": "4", "alerts": [');
    expect(notJson.status).toBe(400);
    expect(await notJson.text()).toMatch(/^not JSON \(.+\): not an Alertmanager webhook payload/);
    const v3 = await post(
      hook.url,
      payload((p) => {
        p.version = '3';
      }),
    );
    expect(v3.status).toBe(400);
    expect(await v3.text()).toContain('version: version "4" (the webhook payload havoc reads)');
    const reach = watchRecords(hook.records.slice(before), 'reachability').map((r) => r.fields);
    expect(reach).toHaveLength(4);
    expect(reach[0]).toMatchObject({ reachable: false });
    expect(String(reach[0]!.error)).toMatch(/^a POST from 127\.0\.0\.1 POST \/ could not be read: not JSON/);
    expect(reach[1]).toEqual({ reachable: true });
    expect(String(reach[2]!.error)).toContain('version: version "4"');
    // Still serving: a good notification after the bad ones is read.
    const ok = await post(
      hook.url,
      payload((p) => {
        p.alerts = [
          { ...p.alerts[0]!, fingerprint: 'aaaaaaaaaaaaaaaa', labels: { alertname: 'BmcUnreachable' } },
        ];
      }),
    );
    expect(ok.status).toBe(200);
    expect(hook.received.at(-1)).toMatchObject({ fingerprint: 'aaaaaaaaaaaaaaaa', status: 'firing' });
  });

  it('records alerts truncated by max_alerts as a notification not fully heard', async () => {
    const before = hook.records.length;
    await post(
      hook.url,
      payload((p) => {
        p.truncatedAlerts = 3;
      }),
    );
    const reach = watchRecords(hook.records.slice(before), 'reachability');
    expect(String(reach[0]?.fields?.error)).toMatch(
      /^Alertmanager left 3 alert\(s\) of group .+ out of a notification \(max_alerts of receiver havoc-suite\)$/,
    );
    expect(reach[1]?.fields).toEqual({ reachable: true });
  });

  it('answers GET (a person checking it listens) and refuses other methods', async () => {
    const get = await fetch(hook.url);
    expect(get.status).toBe(200);
    expect(await get.text()).toContain('havoc alert receiver');
    expect((await fetch(hook.url, { method: 'PUT', body: '{}' })).status).toBe(405);
  });
});

describe('a receiver that cannot listen', () => {
  it('writes reachability false with the reason, and stops cleanly', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as { port: number }).port;
    const timeline = openTimeline(join(tempDir('havoc-am-busy-'), 't.jsonl'));
    const records: TimelineRecord[] = [];
    const receiver = startAlertReceiver({
      listen: { host: '127.0.0.1', port },
      timeline: {
        ...timeline,
        append: (r) => {
          const written = timeline.append(r);
          records.push(written);
          return written;
        },
      },
    });
    expect(await receiver.listening).toBeUndefined();
    await receiver.stop();
    holder.close();
    timeline.close();
    expect(watchRecords(records, 'reachability').map((r) => r.fields)).toEqual([
      { reachable: false, error: `cannot listen on 127.0.0.1:${port}: the address is in use` },
    ]);
  });
});

describe('the receiver behind the real Alertmanager (Debian prometheus-alertmanager 0.25, loopback)', () => {
  let hook: AlertWebhook;
  let am: LocalDaemon;
  let amUrl = '';
  beforeAll(async () => {
    hook = await startAlertWebhook();
    const work = tempDir('havoc-am-real-');
    const config = join(work, 'alertmanager.yml');
    // The route example havoc exports, its havoc-suite receiver pointing at this receiver.
    writeFileSync(
      config,
      alertmanagerExample({
        suiteUrl: hook.url,
        pagerUrl: `${hook.url}pager`,
        ticketUrl: `${hook.url}tickets`,
        groupWait: '1s',
        groupInterval: '1s',
        repeatInterval: '1h',
      }),
    );
    const port = await freePort();
    amUrl = `http://127.0.0.1:${port}`;
    am = await startLocalDaemon(
      '/usr/bin/prometheus-alertmanager',
      [
        `--config.file=${config}`,
        `--storage.path=${join(work, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--cluster.listen-address=',
        '--log.level=warn',
      ],
      { readyUrl: `${amUrl}/-/ready`, debianPackage: 'prometheus-alertmanager' },
    );
  }, 60_000);
  afterAll(async () => {
    await am?.stop();
    await hook?.close();
  });

  it('records the firing and the resolved notification of an alert, with the fingerprint Alertmanager gives it', async () => {
    const labels = { alertname: 'HASwitchPortDown', host: 'host2', port: 'swp7', severity: 'critical' };
    const startsAt = new Date().toISOString();
    const send = (endsAt: string) =>
      fetch(`${amUrl}/api/v2/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify([{ labels, annotations: { summary: 'port down' }, startsAt, endsAt }]),
      });
    expect((await send(new Date(Date.now() + 3_600_000).toISOString())).status).toBe(200);
    const firing = await pollUntil(
      async () => hook.received.find((a) => a.status === 'firing'),
      deadlineSignal(30_000, 'the firing notification at the receiver'),
      { initialMs: 100, maxMs: 500 },
    );
    const listed = (await (await fetch(`${amUrl}/api/v2/alerts`)).json()) as { fingerprint: string }[];
    expect(firing.fingerprint).toBe(listed[0]!.fingerprint);
    expect(firing.labels).toEqual(labels);
    expect(firing.annotations).toEqual({ summary: 'port down' });
    expect(Date.parse(firing.startsAt)).toBe(Date.parse(startsAt));
    expect((await send(new Date().toISOString())).status).toBe(200);
    const resolved = await pollUntil(
      async () => hook.received.find((a) => a.status === 'resolved'),
      deadlineSignal(30_000, 'the resolved notification at the receiver'),
      { initialMs: 100, maxMs: 500 },
    );
    expect(resolved.fingerprint).toBe(firing.fingerprint);
    // The route sends it to havoc-suite and havoc-pager: both reached this receiver, one record per state.
    expect(hook.received.map((a) => a.status)).toEqual(['firing', 'resolved']);
    expect(watchRecords(hook.records, 'reachability').map((r) => r.fields)).toEqual([{ reachable: true }]);
  }, 60_000);
});
