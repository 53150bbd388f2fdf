import type { MeasuredStats, StepResult } from './result.js';
import type { VerdictStatus } from './verdicts/verdict.js';

/*
 * p50 / p95 / max of each measured value over the repeats of a step.
 * Percentiles are nearest-rank: the p-th percentile of N sorted values is the
 * value at 1-based rank ceil(p/100 * N), so it is always a value that was
 * measured (no interpolation between two runs), and with few repeats p95 is
 * the max: 19 or fewer values give ceil(0.95 * N) = N.
 */

/** The nearest-rank percentile of values sorted ascending (p in (0, 100]). */
export function nearestRank(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new Error('nearestRank of no values');
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

/**
 * One entry per (step name, expectation, subject) that has at least one
 * measured value, in the order first seen. `count` is how many verdicts had
 * a measured value; `statuses` counts every verdict of the group, measured
 * or not (an inconclusive one usually has no value). `targetMs` is given when
 * every repeat had the same target.
 */
export function measuredStats(steps: readonly StepResult[]): MeasuredStats[] {
  const groups = new Map<
    string,
    {
      stepName: string;
      expectation: string;
      subject: string;
      values: number[];
      targets: Set<number | undefined>;
      statuses: Record<VerdictStatus, number>;
    }
  >();
  for (const step of steps) {
    for (const v of step.verdicts) {
      const key = JSON.stringify([step.name, v.expectation, v.subject]);
      let g = groups.get(key);
      if (!g) {
        g = {
          stepName: step.name,
          expectation: v.expectation,
          subject: v.subject,
          values: [],
          targets: new Set(),
          statuses: { pass: 0, fail: 0, inconclusive: 0 },
        };
        groups.set(key, g);
      }
      g.statuses[v.status]++;
      g.targets.add(v.targetMs);
      if (v.measuredMs !== undefined) g.values.push(v.measuredMs);
    }
  }
  const out: MeasuredStats[] = [];
  for (const g of groups.values()) {
    if (g.values.length === 0) continue;
    const sorted = [...g.values].sort((a, b) => a - b);
    const [target] = g.targets;
    out.push({
      stepName: g.stepName,
      expectation: g.expectation,
      subject: g.subject,
      count: sorted.length,
      p50Ms: nearestRank(sorted, 50),
      p95Ms: nearestRank(sorted, 95),
      maxMs: sorted.at(-1)!,
      ...(g.targets.size === 1 && target !== undefined ? { targetMs: target } : {}),
      statuses: g.statuses,
    });
  }
  return out;
}
