import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseWebhookPayload } from './webhook-payload.js';

// The version 4 payload as documented (fixtures/SOURCES.md).
const DOCUMENTED = readFileSync(new URL('./fixtures/webhook-v4-documented.json', import.meta.url), 'utf8');

describe('parseWebhookPayload (the documented webhook_config payload, version 4)', () => {
  it('reads every alert with its status, labels, annotations, startsAt and fingerprint', () => {
    const p = parseWebhookPayload(DOCUMENTED);
    expect(p.receiver).toBe('havoc-suite');
    expect(p.truncatedAlerts).toBe(0);
    expect(p.alerts.map((a) => [a.status, a.labels.alertname, a.labels.host, a.fingerprint])).toEqual([
      ['firing', 'HASwitchPortDown', 'host2', '3f1c2b9d0a7e4c11'],
      ['resolved', 'HASwitchPortDown', 'host1', '9b0e41d27c5a3f08'],
    ]);
    expect(p.alerts[0]!.startsAt).toBe('2026-12-01T15:35:12.345Z');
    expect(p.alerts[0]!.annotations.summary).toBe('Switch port swp7 of host2 (storage) is down.');
  });

  it('keeps reading a payload with fields a newer Alertmanager adds', () => {
    const json = JSON.parse(DOCUMENTED);
    json.newField = 1;
    json.alerts[0].silenceURL = 'x';
    expect(parseWebhookPayload(JSON.stringify(json)).alerts).toHaveLength(2);
  });

  it('says what is wrong, and where, in a body that is not one', () => {
    // biome-ignore lint/suspicious/noExplicitAny: a JSON document edited by path in each case
    const bad = (mutate: (j: any) => void) => {
      const json = JSON.parse(DOCUMENTED);
      mutate(json);
      return () => parseWebhookPayload(JSON.stringify(json));
    };
    expect(() => parseWebhookPayload('{"version": "4",')).toThrow(
      /^not JSON \(.+\): not an Alertmanager webhook payload$/,
    );
    expect(
      bad((j) => {
        j.version = '3';
      }),
    ).toThrow(
      'not an Alertmanager webhook payload (version 4): version: version "4" (the webhook payload havoc reads)',
    );
    expect(
      bad((j) => {
        delete j.alerts[1].fingerprint;
      }),
    ).toThrow(/^not an Alertmanager webhook payload \(version 4\): alerts\.1\.fingerprint: /);
    expect(
      bad((j) => {
        j.alerts[0].status = 'pending';
      }),
    ).toThrow(/alerts\.0\.status: /);
    expect(
      bad((j) => {
        delete j.alerts[0].labels.alertname;
      }),
    ).toThrow('alerts.0.labels: an alert without an alertname label');
    expect(() => parseWebhookPayload('[]')).toThrow(
      /^not an Alertmanager webhook payload \(version 4\): the body: /,
    );
  });
});
