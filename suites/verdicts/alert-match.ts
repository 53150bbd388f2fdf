import type { WatchFields } from '../../chaos/watchers/events.js';
import type { TimelineEvent } from './verdict.js';
import { type Coverage, type Observation, observations } from './watch-history.js';

/*
 * Which Alertmanager notifications (`alertmanager/alert`, written by the
 * run's webhook receiver) are about the alert a step expects: the same
 * alertname and every label asked for equal. alertFiredWithin and
 * alertResolvedWithin match the same way, so "it fired" and "it resolved"
 * speak of the same alerts.
 */

export type AlertObservation = Observation<WatchFields<'alertmanager/alert'>>;

export interface AlertMatch {
  /** The matching notifications, in timeline order. */
  alerts: AlertObservation[];
  /** `HASwitchPortDown{host="host2"}`, for reasons. */
  text: string;
}

export function matchingAlerts(
  events: readonly TimelineEvent[],
  alertname: string,
  labels: Record<string, string> | undefined,
): AlertMatch {
  const wanted = Object.entries(labels ?? {});
  const alerts = observations(events, 'alertmanager/alert').filter(
    (o) =>
      (o.subject === `alert:${alertname}` || o.fields.labels.alertname === alertname) &&
      wanted.every(([k, v]) => o.fields.labels[k] === v),
  );
  const labelText = wanted.length ? `{${wanted.map(([k, v]) => `${k}="${v}"`).join(',')}}` : '';
  return { alerts, text: `${alertname}${labelText}` };
}

/**
 * One alert as Alertmanager identifies it: its fingerprint, else (a payload
 * without one is refused by the receiver, but a hand-written timeline may
 * lack it) its label set.
 */
export function alertIdentity(o: AlertObservation): string {
  return (
    o.fields.fingerprint ??
    JSON.stringify(Object.entries(o.fields.labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
  );
}

/** The reason when no receiver listened: what to configure. */
export const NO_RECEIVER =
  'no Alertmanager webhook receiver listened in this run: give `havoc suite run --alert-webhook HOST:PORT` (or alertWebhook: HOST:PORT in the suite file) and route Alertmanager to http://HOST:PORT/ (havoc alerts export writes that route, receiver havoc-suite)';

/** Why the receiver's silence proves nothing: it never listened, or it lost a notification (its gap). */
export function receiverGap(cov: Coverage): string {
  const gap = cov.gaps[0];
  if (!cov.watchers.length) return NO_RECEIVER;
  return gap
    ? `the alert receiver did not hear everything during the step (line ${gap.line}${gap.fields.error ? `: ${gap.fields.error}` : ''})`
    : cov.why;
}
