import type { ProbeStates } from '../../chaos/probes/probe-state.js';
import type { InjectedFault, RunSession } from '../../chaos/session.js';
import { abortableSleep } from '../../core/deadline.js';
import { parseDuration } from '../../core/duration.js';
import { errorMessage } from '../../core/errors.js';
import type { Inventory } from '../../inventory/schema.js';
import type { FaultRegistry } from '../format/registries.js';
import { type ResolvedStep, resolveStep } from '../format/resolve-step.js';
import type { SuiteStep } from '../format/schema.js';
import { seededRandom } from '../format/seeded-random.js';
import type { StepResult } from '../result.js';
import type { TimelineEvent } from '../verdicts/verdict.js';
import type { SuiteListener } from './events.js';
import { type Judge, type PlannedExpectation, verdictsOfStep } from './judge.js';
import type { SteadyWaiter } from './steady.js';

/** After the longest target, how long an undecided expectation is still watched (a verdict at its edge). */
const DECISION_GRACE_MS = 15_000;
/** How often the live verdicts are recomputed while watching. */
const WATCH_POLL_MS = 1_000;
/** How often a status line (probe state, decided expectations) goes out. */
const STATUS_EVERY_MS = 5_000;
/** The guardian's slack beyond the longest the step can watch. */
const GUARDIAN_SLACK_MS = 120_000;

export interface StepOptions {
  /** "<repeat>.<index>". */
  id: string;
  index: number;
  repeat: number;
  seed: number;
  step: SuiteStep;
  session: RunSession;
  inv: Inventory;
  faults: FaultRegistry;
  judge: Judge;
  /** The run's records as they are appended (live line numbers, not the file's). */
  live: readonly TimelineEvent[];
  probes: ProbeStates;
  steady: SteadyWaiter;
  steadyWithinMs: number;
  /** The run has an Alertmanager webhook receiver; without one alertFiredWithin can only be inconclusive, so it holds no step open. */
  alertReceiver?: boolean;
  listener: SuiteListener;
  elapsedMs(): number;
  signal: AbortSignal;
  /** Where each VM runs now (crm_mon), read when the step starts. */
  placement(): Promise<(vm: string) => string[]>;
}

export interface StepRun {
  result: StepResult;
  expectations: PlannedExpectation[];
  /** Why the suite cannot go on after this step (refused, not reverted, no steady state, Ctrl-C). */
  abort?: string;
}

const durationMs = (d: string | number, what: string) =>
  typeof d === 'number' ? d * 1000 : parseDuration(d, what);

/**
 * One step: selectors resolved (seeded), `start` mark, inject through the
 * run session, `injected`, watch until every expectation with a target is
 * decided (and at least the hold) or its deadline, revert, `reverted`, wait
 * for the steady state, `steady`, `end`. Every fault injected is reverted,
 * whatever happens in between.
 */
export async function runStep(o: StepOptions): Promise<StepRun> {
  const timeline = o.session.timeline();
  const startWall = new Date().toISOString();
  const startNs = process.hrtime.bigint();
  const since = () => Number((process.hrtime.bigint() - startNs) / 1_000_000n);
  const result: StepResult = {
    step: o.id,
    name: o.step.name,
    fault: o.step.fault,
    params: {},
    targets: [],
    selections: {},
    startWall,
    startNs: String(startNs),
    endNs: String(startNs),
    durationMs: 0,
    verdicts: [],
  };
  let expectations: PlannedExpectation[] = [];
  const mark = (
    phase: 'start' | 'injected' | 'reverted' | 'steady' | 'end',
    extra: { faults?: string[]; detail?: Record<string, unknown> } = {},
  ) => {
    timeline.append({ kind: 'step', step: o.id, phase, name: o.step.name, ...extra });
    o.listener({
      type: 'step',
      step: o.id,
      name: o.step.name,
      phase,
      elapsedMs: o.elapsedMs(),
      ...(extra.detail?.text ? { detail: String(extra.detail.text) } : {}),
    });
  };
  const finish = (abort?: string): StepRun => {
    const endNs = process.hrtime.bigint();
    result.endNs = String(endNs);
    result.durationMs = Number((endNs - startNs) / 1_000_000n);
    if (abort && result.error === undefined) result.error = abort;
    mark('end', result.error ? { detail: { error: result.error } } : {});
    return { result, expectations, ...(abort ? { abort } : {}) };
  };

  let resolved: ResolvedStep;
  let raw: unknown;
  const fault = o.faults.byName(o.step.fault);
  try {
    if (!fault) throw new Error(`no fault or action "${o.step.fault}" in this build`);
    const placement = await o.placement();
    resolved = resolveStep(o.step, o.inv, {
      inventory: o.inv,
      placement,
      rng: seededRandom(o.seed, o.repeat, o.index),
    });
    raw = fault.fromCommandLine(resolved.targets, resolved.options, o.inv);
  } catch (err) {
    result.error = `could not prepare the step: ${errorMessage(err)}`;
    mark('start', { detail: { error: result.error } });
    return finish(result.error);
  }
  expectations = resolved.expectations.map((e) => ({ name: e.name, params: e.params }));
  result.targets = resolved.targets;
  result.params = { ...resolved.options };
  result.selections = resolved.selections;
  mark('start', {
    detail: {
      fault: fault.name,
      targets: resolved.targets,
      options: resolved.options,
      selections: resolved.selections,
    },
  });

  const holdMs = durationMs(o.step.hold, 'hold');
  const watched = expectations.filter((e) => o.alertReceiver || e.name !== 'alertFiredWithin');
  const longestTargetMs = Math.max(
    0,
    ...watched.map((e) => (typeof e.params.targetMs === 'number' ? e.params.targetMs : 0)),
  );
  const watchMs = Math.max(holdMs, longestTargetMs > 0 ? longestTargetMs + DECISION_GRACE_MS : 0);
  const maxDurationMs = Math.min(
    fault.maxDurationMs,
    o.step.maxDuration === undefined
      ? watchMs + GUARDIAN_SLACK_MS
      : durationMs(o.step.maxDuration, 'maxDuration'),
  );
  const progress = (text: string) =>
    o.listener({ type: 'note', text: `${o.id} ${text}`, elapsedMs: o.elapsedMs() });

  let f: InjectedFault;
  try {
    f = await o.session.inject(fault, raw, { maxDurationMs, progress });
  } catch (err) {
    // Refused (nothing injected) or the guardian would not start: nothing to revert.
    result.error = errorMessage(err);
    return finish(`step ${o.id} (${o.step.name}): ${result.error}`);
  }
  mark('injected', { faults: [f.id], detail: { text: f.error ?? f.summary } });

  if (f.error === undefined) await watch(o, watched, holdMs, Math.min(watchMs, maxDurationMs - 5_000), since);
  else result.error = f.error;

  const why = o.signal.aborted ? 'interrupted (Ctrl-C)' : (f.error ?? 'the step is done');
  const reverted = await o.session.revert(f, why, progress);
  mark('reverted', {
    faults: [f.id],
    detail: {
      text: reverted.ok ? `reverted by ${reverted.by}` : `NOT reverted: ${reverted.reason ?? '?'}`,
      ok: reverted.ok,
      by: reverted.by,
    },
  });
  if (!reverted.ok)
    return finish(
      `step ${o.id}: ${f.summary} could not be reverted (${reverted.reason ?? 'unknown'}): run havoc heal`,
    );
  if (o.signal.aborted) return finish('interrupted (Ctrl-C)');

  const steady = await o.steady.waitFor(o.steadyWithinMs, o.id);
  if (!steady.ok && o.signal.aborted)
    return finish('interrupted (Ctrl-C) while waiting for the steady state');
  if (!steady.ok) return finish(`the steady state did not come back after step ${o.id}: ${steady.reason}`);
  mark('steady', { detail: { text: 'steady state holds' } });
  return finish();
}

/**
 * Watches the step: the live verdicts (the checkers over the records so far)
 * say when every expectation with a target is decided; at least `holdMs`,
 * at most `untilMs`, or until Ctrl-C. Expectations without a target (never
 * running twice, no lost write) hold for the whole step and decide nothing here.
 */
async function watch(
  o: StepOptions,
  expectations: readonly PlannedExpectation[],
  holdMs: number,
  untilMs: number,
  since: () => number,
): Promise<void> {
  const withTarget = expectations.filter((e) => typeof e.params.targetMs === 'number');
  const decided = new Set<number>();
  let lastStatus = 0;
  for (;;) {
    const elapsed = since();
    if (o.signal.aborted) return;
    const window = o.judge.windows(o.live).find((w) => w.step === o.id);
    const verdicts = verdictsOfStep(o.judge, o.live, window, withTarget);
    verdicts.forEach((v, k) => {
      if (v.status !== 'inconclusive' && !decided.has(k)) {
        decided.add(k);
        o.listener({ type: 'verdict', step: o.id, live: true, verdict: v });
      }
    });
    if (elapsed - lastStatus >= STATUS_EVERY_MS) {
      lastStatus = elapsed;
      const now = process.hrtime.bigint();
      o.listener({
        type: 'status',
        step: o.id,
        elapsedMs: elapsed,
        probes: o.probes.all().map((p) => ({
          vm: p.probe,
          up: p.up,
          ...(p.downSinceNs !== undefined ? { downForMs: Number((now - p.downSinceNs) / 1_000_000n) } : {}),
          restarts: p.restarts,
        })),
        decided: decided.size,
        expectations: withTarget.length,
      });
    }
    if (elapsed >= untilMs || (elapsed >= holdMs && decided.size === withTarget.length)) return;
    await abortableSleep(Math.min(WATCH_POLL_MS, Math.max(1, untilMs - elapsed)), o.signal).catch(
      () => undefined,
    );
  }
}
