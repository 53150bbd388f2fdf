import { z } from 'zod';
import { HavocError } from '../../core/errors.js';

/*
 * The body Alertmanager POSTs to a webhook_config receiver, version 4, as
 * prometheus.io/docs/alerting/latest/configuration/#webhook_config documents
 * it (and Alertmanager's notify/webhook package sends it). Parsed strictly
 * where havoc relies on a field (version, each alert's status, labels,
 * startsAt, fingerprint) and loosely elsewhere, so a newer Alertmanager that
 * adds fields is still read.
 */

const labelSet = z.record(z.string(), z.string());

export const webhookAlert = z.looseObject({
  status: z.enum(['firing', 'resolved']),
  labels: labelSet.refine((l) => typeof l.alertname === 'string' && l.alertname.length > 0, {
    message: 'an alert without an alertname label',
  }),
  annotations: labelSet.default({}),
  startsAt: z.string().min(1),
  endsAt: z.string().optional(),
  generatorURL: z.string().optional(),
  /** Alertmanager's identity of the alert (a hash of its labels): the same alert in every notification. */
  fingerprint: z.string().min(1),
});
export type WebhookAlert = z.infer<typeof webhookAlert>;

export const webhookPayload = z.looseObject({
  version: z.literal('4', { error: 'version "4" (the webhook payload havoc reads)' }),
  groupKey: z.string(),
  /** Alerts left out of this notification by the receiver's max_alerts. */
  truncatedAlerts: z.number().int().min(0).default(0),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string(),
  groupLabels: labelSet.default({}),
  commonLabels: labelSet.default({}),
  commonAnnotations: labelSet.default({}),
  externalURL: z.string().optional(),
  alerts: z.array(webhookAlert),
});
export type WebhookPayload = z.infer<typeof webhookPayload>;

/** Parses a POST body; a HavocError says what is wrong and where (the JSON path of the first problem). */
export function parseWebhookPayload(body: string): WebhookPayload {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (err) {
    throw new HavocError(
      'alertmanager-payload',
      `not JSON (${(err as Error).message}): not an Alertmanager webhook payload`,
      {
        hint: 'point only Alertmanager webhook_configs at this receiver',
      },
    );
  }
  const parsed = webhookPayload.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length ? issue.path.join('.') : 'the body';
    throw new HavocError(
      'alertmanager-payload',
      `not an Alertmanager webhook payload (version 4): ${where}: ${issue.message}`,
      { hint: 'point only Alertmanager webhook_configs at this receiver (Alertmanager 0.16 or later)' },
    );
  }
  return parsed.data;
}
