import { Gauge, Registry } from 'prom-client';
import type { SuiteOutcome, SuiteResult } from '../result.js';
import type { VerdictStatus } from '../verdicts/verdict.js';

/*
 * A run's results as Prometheus metrics, for the Pushgateway (trends in
 * Grafana, alerts in dashboards/). The names and labels are a contract with
 * the alert rules: change them only together.
 *
 * `step` is the step's name in the suite file, not its "repeat.index" id, so
 * a series follows the same step from night to night. With repeats, an
 * expectation's verdict series carries its worst verdict over the repeats
 * (fail, then inconclusive, then pass): exactly one series per expectation,
 * value 1. The measured values are the p50 / p95 / max over the repeats.
 */

export const SUITE_OUTCOMES: readonly SuiteOutcome[] = ['pass', 'fail', 'inconclusive', 'aborted'];

const SEVERITY: Record<VerdictStatus, number> = { pass: 0, inconclusive: 1, fail: 2 };

export function suiteRegistry(result: SuiteResult): Registry {
  const registry = new Registry();
  const registers = [registry];
  const suite = result.suite.name;

  new Gauge({
    name: 'havoc_suite_last_run_timestamp_seconds',
    help: 'When the last run of the suite ended (Unix time).',
    labelNames: ['suite'],
    registers,
  }).set({ suite }, Date.parse(result.endWall) / 1000);

  const outcome = new Gauge({
    name: 'havoc_suite_outcome',
    help: "The last run's outcome: 1 for it, 0 for the others.",
    labelNames: ['suite', 'outcome'],
    registers,
  });
  for (const o of SUITE_OUTCOMES) outcome.set({ suite, outcome: o }, o === result.outcome ? 1 : 0);

  const worst = new Map<
    string,
    { step: string; expectation: string; subject: string; verdict: VerdictStatus }
  >();
  for (const step of result.steps)
    for (const v of step.verdicts) {
      const key = JSON.stringify([step.name, v.expectation, v.subject]);
      const seen = worst.get(key);
      if (!seen || SEVERITY[v.status] > SEVERITY[seen.verdict])
        worst.set(key, {
          step: step.name,
          expectation: v.expectation,
          subject: v.subject,
          verdict: v.status,
        });
    }
  const verdict = new Gauge({
    name: 'havoc_suite_expectation_verdict',
    help: "Verdict of each expectation of the last run (its worst over the run's repeats); always 1.",
    labelNames: ['suite', 'step', 'expectation', 'subject', 'verdict'],
    registers,
  });
  for (const w of worst.values()) verdict.set({ suite, ...w }, 1);

  const measured = new Gauge({
    name: 'havoc_suite_measured_seconds',
    help: 'Measured value of each expectation of the last run over its repeats (p50, p95, max).',
    labelNames: ['suite', 'step', 'expectation', 'subject', 'stat'],
    registers,
  });
  for (const s of result.stats) {
    const labels = { suite, step: s.stepName, expectation: s.expectation, subject: s.subject };
    measured.set({ ...labels, stat: 'p50' }, s.p50Ms / 1000);
    measured.set({ ...labels, stat: 'p95' }, s.p95Ms / 1000);
    measured.set({ ...labels, stat: 'max' }, s.maxMs / 1000);
  }

  new Gauge({
    name: 'havoc_suite_duration_seconds',
    help: 'Wall time of the last run.',
    labelNames: ['suite'],
    registers,
  }).set({ suite }, result.durationMs / 1000);

  return registry;
}
