import { z } from 'zod';
import { matchingAlerts, receiverGap } from './alert-match.js';
import { reachedTarget, sinceInjection, stepInjection } from './step-facts.js';
import type { Checker } from './verdict.js';
import { durationText, msOf, verdictOf, withinTarget } from './verdict-of.js';
import { stateAt, watchCoverage } from './watch-history.js';

export const alertFiredWithinParams = z.strictObject({
  alertname: z.string().min(1),
  /** Labels the alert must carry (each equal). */
  labels: z.record(z.string(), z.string()).optional(),
  targetMs: z.number().positive(),
});
export type AlertFiredWithinParams = z.infer<typeof alertFiredWithinParams>;

/**
 * From the step's injection to an Alertmanager notification of the alert
 * firing, as the webhook receiver wrote it (`alertmanager/alert`). An alert
 * already firing before the fault proves nothing about this one; a run
 * whose receiver wrote nothing at all (not even `alertmanager/reachability`)
 * cannot tell "not fired" from "not listening".
 */
export const alertFiredWithin: Checker<AlertFiredWithinParams> = (events, window, p) => {
  const name = 'alertFiredWithin';
  const t = { targetMs: p.targetMs };
  const found = stepInjection(events, window, name, p.alertname, p.targetMs);
  if ('verdict' in found) return found.verdict;
  const inj = found.injection;
  const { alerts, text: alert } = matchingAlerts(events, p.alertname, p.labels);
  const prior = stateAt(alerts, inj.startNs);
  if (prior?.fields.status === 'firing') {
    return verdictOf(
      name,
      p.alertname,
      'inconclusive',
      `${alert} was already firing before the fault (line ${prior.line})`,
      [...inj.lines, prior.line],
      t,
    );
  }
  const fired = alerts.find(
    (o) => o.ns > inj.startNs && o.ns <= window.endNs && o.fields.status === 'firing',
  );
  if (fired) {
    const measuredMs = Math.max(0, msOf(fired.ns - inj.ns));
    const status = withinTarget(measuredMs, p.targetMs);
    return verdictOf(
      name,
      p.alertname,
      status,
      `${alert} notified firing ${sinceInjection(fired.ns, inj)}: ${status === 'pass' ? 'within' : 'over'} the ${durationText(p.targetMs)} target`,
      [...inj.lines, fired.line],
      { measuredMs, targetMs: p.targetMs },
    );
  }
  const cov = watchCoverage(events, ['alertmanager'], inj.ns, window.endNs);
  const lines = [...inj.lines, ...cov.lines, ...cov.gaps.map((g) => g.line)];
  if (!cov.covered) {
    const why = receiverGap(cov);
    return verdictOf(
      name,
      p.alertname,
      'inconclusive',
      `no ${alert} notification seen, but ${why}`,
      lines,
      t,
    );
  }
  if (!reachedTarget(inj.ns, window.endNs, p.targetMs)) {
    return verdictOf(
      name,
      p.alertname,
      'inconclusive',
      `the step ended ${sinceInjection(window.endNs, inj)}, before the ${durationText(p.targetMs)} target, without ${alert} firing`,
      lines,
      t,
    );
  }
  return verdictOf(name, p.alertname, 'fail', `no notification of ${alert} firing during the step`, lines, t);
};
