import type { z } from 'zod';
import { HavocError } from '../../core/errors.js';
import type { SloConfig } from '../../inventory/schema.js';
import { alertFiredWithin, alertFiredWithinParams } from './alert-fired-within.js';
import {
  alertResolvedWithin,
  alertResolvedWithinParams,
  DEFAULT_RESOLVE_TARGET_MS,
  resolutionAwaited,
} from './alert-resolved-within.js';
import { detectedWithin, detectedWithinParams } from './detected-within.js';
import { fencedWithin, fencedWithinParams } from './fenced-within.js';
import { maxServiceDowntime, maxServiceDowntimeParams } from './max-service-downtime.js';
import { migratedWithin, migratedWithinParams } from './migrated-within.js';
import { noDataLoss, noDataLossParams } from './no-data-loss.js';
import { noDoubleRun, noDoubleRunParams } from './no-double-run.js';
import { noMigration, noMigrationParams } from './no-migration.js';
import { notFenced, notFencedParams } from './not-fenced.js';
import { notRestarted, notRestartedParams } from './not-restarted.js';
import { restartedWithin, restartedWithinParams } from './restarted-within.js';
import {
  steadyStateRestoredWithin,
  steadyStateRestoredWithinParams,
} from './steady-state-restored-within.js';
import type { Checker, StepWindow, TimelineEvent, Verdict } from './verdict.js';
import { writesResumedWithin, writesResumedWithinParams } from './writes-resumed-within.js';

/*
 * Every expectation a suite step may name: its checker and the zod schema of
 * its parameters, so the suite file format validates names and parameters
 * (strict objects: a misspelt parameter is an error) before anything runs.
 * Adding an expectation is a file and a line here.
 */

export interface Expectation<S extends z.ZodType> {
  params: S;
  check: Checker<z.infer<S>>;
  /** One line for `--help` and the README. */
  summary: string;
  /**
   * The inventory SLO that gives `targetMs` when the step does not (per VM
   * first, then `slos.defaults`), converted to ms.
   */
  slo?: {
    key: keyof SloConfig;
    toMs: (value: number) => number;
    /** The target when the inventory sets none (ms); without it, validation asks for one. */
    defaultMs?: number;
  };
  /** When its verdict can no longer change: what the runner waits for (see Decides). */
  decides: Decides;
  /** Needs the run's Alertmanager webhook receiver: without one it is inconclusive and holds no step open. */
  needsAlertReceiver?: boolean;
  /**
   * For a verdict still inconclusive while the runner watches: whether later
   * records can still decide it. Without it, they can (the runner watches
   * until the target and grace pass).
   */
  canStillDecide?: (events: readonly TimelineEvent[], window: StepWindow, params: z.infer<S>) => boolean;
}

/**
 * When an expectation's verdict is final, which is what a step waits for:
 * - `target`: measured from the injection; final once its event is seen or its
 *   target has passed. The step holds its fault until every one is (at least the hold).
 * - `revert`: measured from the verified revert; final only after the fault is
 *   gone. The step waits for it after the steady state, never with the fault held.
 * - `step`: a property of the whole step (never twice, no fence, no lost write,
 *   the longest outage): a fail is final when seen, a pass only at the step's
 *   end, its revert and recovery included. Nothing waits for it: the step's
 *   hold is how long the cluster is given to misbehave.
 */
export type Decides = 'target' | 'revert' | 'step';

const seconds = (s: number) => s * 1000;
const ms = (m: number) => m;

function expectation<S extends z.ZodType>(e: Expectation<S>): Expectation<S> {
  return e;
}

export const EXPECTATIONS = {
  restartedWithin: expectation({
    params: restartedWithinParams,
    check: restartedWithin,
    summary: 'the VM answers its probe with a new boot id (on another host) within targetMs of the injection',
    slo: { key: 'restartWithinSeconds', toMs: seconds },
    decides: 'target',
  }),
  maxServiceDowntime: expectation({
    params: maxServiceDowntimeParams,
    check: maxServiceDowntime,
    summary: "a live migration's longest probe outage is at most targetMs, the boot id unchanged",
    slo: { key: 'migrationDowntimeMs', toMs: ms },
    decides: 'step',
  }),
  migratedWithin: expectation({
    params: migratedWithinParams,
    check: migratedWithin,
    summary: 'the migration action is done within targetMs of its start, the VM placed on the destination',
    slo: { key: 'migrationWithinSeconds', toMs: seconds },
    decides: 'target',
  }),
  noDoubleRun: expectation({
    params: noDoubleRunParams,
    check: noDoubleRun,
    summary: 'the VM never runs on two hosts, nor answers with two boot ids, at once',
    decides: 'step',
  }),
  noDataLoss: expectation({
    params: noDataLossParams,
    check: noDataLoss,
    summary: "the VM's disk counter (probe field counter) never goes backwards",
    decides: 'step',
  }),
  fencedWithin: expectation({
    params: fencedWithinParams,
    check: fencedWithin,
    summary: "a successful fence of the host in Pacemaker's fence history within targetMs of the injection",
    slo: { key: 'fenceWithinSeconds', toMs: seconds },
    decides: 'target',
  }),
  detectedWithin: expectation({
    params: detectedWithinParams,
    check: detectedWithin,
    summary:
      'the HA manager sees the host offline or unclean (XAPI: not live) within targetMs of the injection',
    slo: { key: 'detectionWithinSeconds', toMs: seconds },
    decides: 'target',
  }),
  notFenced: expectation({
    params: notFencedParams,
    check: notFenced,
    summary: 'the host is not fenced during the step (no fence attempt at all)',
    decides: 'step',
  }),
  notRestarted: expectation({
    params: notRestartedParams,
    check: notRestarted,
    summary: 'the VM keeps its boot id through the step',
    decides: 'step',
  }),
  noMigration: expectation({
    params: noMigrationParams,
    check: noMigration,
    summary: "the VM's placement does not change during the step",
    decides: 'step',
  }),
  steadyStateRestoredWithin: expectation({
    params: steadyStateRestoredWithinParams,
    check: steadyStateRestoredWithin,
    summary: 'the steady state holds again within targetMs of the verified revert',
    slo: { key: 'steadyStateWithinSeconds', toMs: seconds },
    decides: 'revert',
  }),
  writesResumedWithin: expectation({
    params: writesResumedWithinParams,
    check: writesResumedWithin,
    summary:
      "after a storage loss: the VM's disk counter goes past its value at the verified revert within targetMs of it, the boot id unchanged",
    slo: { key: 'steadyStateWithinSeconds', toMs: seconds },
    decides: 'revert',
  }),
  alertFiredWithin: expectation({
    params: alertFiredWithinParams,
    check: alertFiredWithin,
    summary: 'Alertmanager notifies the alert (with labels) firing within targetMs of the injection',
    slo: { key: 'alertWithinSeconds', toMs: seconds },
    decides: 'target',
    needsAlertReceiver: true,
  }),
  alertResolvedWithin: expectation({
    params: alertResolvedWithinParams,
    check: alertResolvedWithin,
    summary:
      "Alertmanager notifies the alert (with labels) resolved within targetMs of the fault's verified revert",
    slo: { key: 'alertResolveWithinSeconds', toMs: seconds, defaultMs: DEFAULT_RESOLVE_TARGET_MS },
    decides: 'revert',
    needsAlertReceiver: true,
    canStillDecide: resolutionAwaited,
  }),
} as const;

export type ExpectationName = keyof typeof EXPECTATIONS;
export const EXPECTATION_NAMES: readonly ExpectationName[] = Object.keys(EXPECTATIONS) as ExpectationName[];

export function isExpectationName(name: string): name is ExpectationName {
  return Object.hasOwn(EXPECTATIONS, name);
}

/**
 * targetMs for an expectation from the inventory's SLOs (the VM's own, then
 * the defaults, then the expectation's own default), with where it came
 * from; undefined when the expectation has no SLO, or none is set and it has
 * no default.
 */
export function sloTarget(
  name: ExpectationName,
  slos: { vm?: SloConfig | undefined; defaults: SloConfig },
): { ms: number; from: string } | undefined {
  const slo = (EXPECTATIONS[name] as Expectation<z.ZodType>).slo;
  if (!slo) return undefined;
  const own = slos.vm?.[slo.key];
  if (own !== undefined) return { ms: slo.toMs(own), from: `vms[].slo.${slo.key}` };
  const value = slos.defaults[slo.key];
  if (value !== undefined) return { ms: slo.toMs(value), from: `slos.defaults.${slo.key}` };
  return slo.defaultMs === undefined
    ? undefined
    : { ms: slo.defaultMs, from: `the default of ${name} (slos.defaults.${slo.key} unset)` };
}

/** sloTarget's value alone. */
export function sloTargetMs(
  name: ExpectationName,
  slos: { vm?: SloConfig | undefined; defaults: SloConfig },
): number | undefined {
  return sloTarget(name, slos)?.ms;
}

/**
 * Runs one expectation by name on a step, its parameters validated first (a
 * suite file is validated before the run; this guards programmatic callers).
 */
export function judge(
  name: string,
  events: readonly TimelineEvent[],
  window: StepWindow,
  params: unknown,
): Verdict {
  if (!isExpectationName(name)) {
    throw new HavocError('usage', `no expectation "${name}"`, {
      hint: `one of ${EXPECTATION_NAMES.join(', ')}`,
    });
  }
  const e = EXPECTATIONS[name] as Expectation<z.ZodType>;
  const parsed = e.params.safeParse(params);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
    throw new HavocError('usage', `${name}: ${where}${issue?.message ?? 'invalid parameters'}`);
  }
  return e.check(events, window, parsed.data);
}

export { readTimelineEvents } from './timeline-events.js';
export type { Checker, StepWindow, TimelineEvent, Verdict, VerdictStatus } from './verdict.js';
export { stepWindow, stepWindows } from './windows.js';
