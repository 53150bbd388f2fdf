import { z } from 'zod';
import { type AlertObservation, alertIdentity, matchingAlerts, receiverGap } from './alert-match.js';
import { reachedTarget, sinceInjection, stepInjection, stepRevert } from './step-facts.js';
import type { Checker, StepWindow, TimelineEvent } from './verdict.js';
import { durationText, msOf, verdictOf, withinTarget } from './verdict-of.js';
import { stateAt, watchCoverage } from './watch-history.js';

export const alertResolvedWithinParams = z.strictObject({
  alertname: z.string().min(1),
  /** Labels the alert must carry (each equal), as for alertFiredWithin. */
  labels: z.record(z.string(), z.string()).optional(),
  targetMs: z.number().positive(),
});
export type AlertResolvedWithinParams = z.infer<typeof alertResolvedWithinParams>;

/**
 * The default target when the inventory sets no `alertResolveWithinSeconds`.
 * Once the fault is gone, Prometheus sees it at its next scrape (30 s, the
 * interval `havoc exporter prometheus-config` writes) and drops the alert
 * at its next rule evaluation (1 m, Prometheus' default
 * evaluation_interval); Alertmanager sends the resolved notification of a
 * group that has already notified at its next group_interval tick (5 m in
 * the route `havoc alerts export` writes): at most 6.5 m, plus 1.5 m for the
 * exporter's scrape itself, the webhook's delivery and a loaded station.
 * test/dashboards/alert-rules.test.ts holds it to the exported route.
 */
export const DEFAULT_RESOLVE_TARGET_MS = 480_000;

const wallText = (o: AlertObservation) => o.wall;

/**
 * From the step's verified revert (the ledger's `reverted`) to
 * Alertmanager's resolved notification of the alert the fault raised: every
 * alert matching (alertname and labels, as alertFiredWithin matches) that
 * notified firing during the step must notify resolved, and the last of
 * them is measured. An alert already firing before the fault, or one that
 * never fired, says nothing about this fault's resolution; a receiver that
 * did not listen, or lost a notification after the revert, cannot tell
 * "still firing" from "not heard".
 */
export const alertResolvedWithin: Checker<AlertResolvedWithinParams> = (events, window, p) => {
  const name = 'alertResolvedWithin';
  const t = { targetMs: p.targetMs };
  const found = stepInjection(events, window, name, p.alertname, p.targetMs);
  if ('verdict' in found) return found.verdict;
  const inj = found.injection;
  const { alerts, text: alert } = matchingAlerts(events, p.alertname, p.labels);
  const prior = stateAt(alerts, inj.startNs);
  if (prior?.fields.status === 'firing')
    return verdictOf(
      name,
      p.alertname,
      'inconclusive',
      `${alert} was already firing before the fault (line ${prior.line}), so its resolution says nothing about this fault`,
      [...inj.lines, prior.line],
      t,
    );
  const inStep = alerts.filter((o) => o.ns > inj.startNs && o.ns <= window.endNs);
  const fired = inStep.filter((o) => o.fields.status === 'firing');
  if (fired.length === 0) {
    const cov = watchCoverage(events, ['alertmanager'], inj.ns, window.endNs);
    const lines = [...inj.lines, ...cov.lines, ...cov.gaps.map((g) => g.line)];
    return verdictOf(
      name,
      p.alertname,
      'inconclusive',
      cov.covered
        ? `${alert} never notified firing during the step, so there is no resolution to measure`
        : `no ${alert} notification seen, but ${receiverGap(cov)}`,
      lines,
      t,
    );
  }
  const reverted = stepRevert(events, window, name, p.alertname, p.targetMs);
  if ('verdict' in reverted) return reverted.verdict;
  const revert = reverted.revert;
  const firstFired = fired[0]!;
  const firedText = `fired ${sinceInjection(firstFired.ns, inj)} at ${wallText(firstFired)}, line ${firstFired.line}`;

  // Per alert (Alertmanager's fingerprint): resolved when its last firing notification is followed by a resolved one.
  const resolved: AlertObservation[] = [];
  const stillFiring: AlertObservation[] = [];
  for (const id of new Set(fired.map(alertIdentity))) {
    const own = inStep.filter((o) => alertIdentity(o) === id);
    const lastFiring = own.findLast((o) => o.fields.status === 'firing')!;
    const after = own.find((o) => o.line > lastFiring.line && o.fields.status === 'resolved');
    if (after) resolved.push(after);
    else stillFiring.push(lastFiring);
  }
  const base = [...inj.lines, ...revert.lines, ...fired.map((o) => o.line)];
  const several =
    resolved.length + stillFiring.length > 1 ? ` (all ${resolved.length + stillFiring.length} alerts)` : '';
  if (stillFiring.length === 0) {
    const last = resolved.reduce((a, b) => (b.ns > a.ns ? b : a));
    const d = last.ns - revert.ns;
    const measuredMs = Math.max(0, msOf(d));
    const status = withinTarget(measuredMs, p.targetMs);
    const when =
      d >= 0n
        ? `${durationText(msOf(d))} after the revert`
        : `${durationText(msOf(-d))} before the revert was verified`;
    return verdictOf(
      name,
      p.alertname,
      status,
      `${alert}${several} notified resolved ${when}: ${status === 'pass' ? 'within' : 'over'} the ${durationText(p.targetMs)} target (${firedText}; resolved at ${wallText(last)}, line ${last.line})`,
      [...base, ...resolved.map((o) => o.line)],
      { measuredMs, targetMs: p.targetMs },
    );
  }
  const since = durationText(msOf(window.endNs - revert.ns));
  const firing = stillFiring.map((o) => `line ${o.line}`).join(', ');
  const cov = watchCoverage(events, ['alertmanager'], revert.ns, window.endNs);
  const lines = [...base, ...resolved.map((o) => o.line), ...cov.lines, ...cov.gaps.map((g) => g.line)];
  if (!cov.covered)
    return verdictOf(
      name,
      p.alertname,
      'inconclusive',
      `no resolved notification of ${alert} seen (${firedText}), but ${receiverGap(cov)}`,
      lines,
      t,
    );
  if (!reachedTarget(revert.ns, window.endNs, p.targetMs))
    return verdictOf(
      name,
      p.alertname,
      'inconclusive',
      `the step ended ${since} after the revert, before the ${durationText(p.targetMs)} target, with ${alert} still firing (${firedText}; last firing ${firing})`,
      lines,
      t,
    );
  return verdictOf(
    name,
    p.alertname,
    'fail',
    `${alert} still firing ${since} after the revert, over the ${durationText(p.targetMs)} target: no resolved notification (${firedText}; last firing ${firing})`,
    lines,
    t,
  );
};

/**
 * While the runner watches after the revert: is there a resolution to wait
 * for? Only when the alert notified firing during the step and was not
 * already firing before it. One that never fired by then stays inconclusive
 * ("no resolution to measure") whatever comes later, so it must not keep
 * the step open for its whole target.
 */
export function resolutionAwaited(
  events: readonly TimelineEvent[],
  window: StepWindow,
  p: AlertResolvedWithinParams,
): boolean {
  const found = stepInjection(events, window, 'alertResolvedWithin', p.alertname, p.targetMs);
  if ('verdict' in found) return false;
  const { alerts } = matchingAlerts(events, p.alertname, p.labels);
  if (stateAt(alerts, found.injection.startNs)?.fields.status === 'firing') return false;
  return alerts.some(
    (o) => o.ns > found.injection.startNs && o.ns <= window.endNs && o.fields.status === 'firing',
  );
}
