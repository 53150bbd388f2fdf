import type { AnyFault } from '../../chaos/fault.js';
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
import { planWatch } from './watch-plan.js';

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
  /** The run has an Alertmanager webhook receiver; without one the alert expectations can only be inconclusive, so they hold no step open. */
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

/** A step's hold or maxDuration in ms: a number is seconds, a string a duration ("20s"). */
export const durationMs = (d: string | number, what: string) =>
  typeof d === 'number' ? d * 1000 : parseDuration(d, what);

/**
 * One step: selectors resolved (seeded), `start` mark, inject through the
 * run session, `injected`, watch until every expectation measured from the
 * injection is decided (and at least the hold) or its deadline, revert,
 * `reverted`, wait for the steady state, `steady`, then until every
 * expectation measured from the revert is decided, `end`. Every fault
 * injected is reverted, whatever happens in between.
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
  const conditions: { fault: AnyFault; raw: unknown }[] = [];
  try {
    if (!fault) throw new Error(`no fault or action "${o.step.fault}" in this build`);
    const placement = await o.placement();
    resolved = resolveStep(o.step, o.inv, {
      inventory: o.inv,
      placement,
      rng: seededRandom(o.seed, o.repeat, o.index),
    });
    for (const c of resolved.conditions) {
      const cf = o.faults.byName(c.fault);
      if (!cf) throw new Error(`no fault or action "${c.fault}" in this build`);
      conditions.push({ fault: cf, raw: cf.fromCommandLine(c.targets, c.options, o.inv) });
    }
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
  if (resolved.conditions.length)
    result.conditions = resolved.conditions.map((c) => ({
      fault: c.fault,
      targets: c.targets,
      params: c.options,
    }));
  mark('start', {
    detail: {
      fault: fault.name,
      targets: resolved.targets,
      options: resolved.options,
      selections: resolved.selections,
      ...(resolved.conditions.length ? { while: resolved.conditions } : {}),
    },
  });

  const holdMs = durationMs(o.step.hold, 'hold');
  const plan = planWatch(expectations, holdMs, o.judge.expectations, o.alertReceiver === true);
  const watchMs = plan.watchMs;
  const maxDurationMs = Math.min(
    fault.maxDurationMs,
    o.step.maxDuration === undefined
      ? watchMs + GUARDIAN_SLACK_MS
      : durationMs(o.step.maxDuration, 'maxDuration'),
  );
  const progress = (text: string) =>
    o.listener({ type: 'note', text: `${o.id} ${text}`, elapsedMs: o.elapsedMs() });

  // The step's own fault last, so the verdicts' windows (from `injected`) count from it.
  const held: InjectedFault[] = [];
  let f: InjectedFault | undefined;
  let injectError: string | undefined;
  const uses = [...conditions, { fault, raw }];
  for (const [k, c] of uses.entries()) {
    try {
      // A condition is held a little longer than the step's fault: its guardian must not revert it first.
      const limitMs =
        k === uses.length - 1 ? maxDurationMs : Math.min(c.fault.maxDurationMs, maxDurationMs + 60_000);
      const one = await o.session.inject(c.fault, c.raw, { maxDurationMs: limitMs, progress });
      held.push(one);
      if (one.error !== undefined) {
        injectError = one.error;
        break;
      }
      if (k === uses.length - 1) f = one;
    } catch (err) {
      // Refused (nothing injected) or the guardian would not start: only what is held needs a revert.
      injectError = `${c.fault.name}: ${errorMessage(err)}`;
      break;
    }
  }
  if (held.length === 0) {
    result.error = injectError ?? 'nothing was injected';
    return finish(`step ${o.id} (${o.step.name}): ${result.error}`);
  }
  const ids = held.map((h) => h.id);
  mark('injected', { faults: ids, detail: { text: injectError ?? held.map((h) => h.summary).join('; ') } });

  if (f !== undefined && injectError === undefined)
    await watch(o, plan.whileHeld, holdMs, Math.min(watchMs, maxDurationMs - 5_000), since);
  else result.error = injectError;

  const why = o.signal.aborted ? 'interrupted (Ctrl-C)' : (injectError ?? 'the step is done');
  const notReverted: string[] = [];
  const by: string[] = [];
  // The conditions first, in reverse: the step's own revert may need what they broke (host-hang powers its
  // host on through the BMC a bmc-dead condition silenced).
  const last = f !== undefined ? [f] : [];
  for (const h of [...held.filter((x) => x !== f).reverse(), ...last]) {
    const reverted = await o.session.revert(h, why, progress);
    if (reverted.ok) by.push(reverted.by ?? '?');
    else notReverted.push(`${h.summary} (${reverted.reason ?? 'unknown'})`);
  }
  const revertedAt = process.hrtime.bigint();
  const sinceRevert = () => Number((process.hrtime.bigint() - revertedAt) / 1_000_000n);
  mark('reverted', {
    faults: ids,
    detail: {
      text:
        notReverted.length === 0 ? `reverted by ${by.join(', ')}` : `NOT reverted: ${notReverted.join('; ')}`,
      ok: notReverted.length === 0,
      by: by.join(', '),
    },
  });
  if (notReverted.length > 0)
    return finish(`step ${o.id}: ${notReverted.join('; ')} could not be reverted: run havoc heal`);
  if (o.signal.aborted) return finish('interrupted (Ctrl-C)');

  const steady = await o.steady.waitFor(o.steadyWithinMs, o.id);
  if (!steady.ok && o.signal.aborted)
    return finish('interrupted (Ctrl-C) while waiting for the steady state');
  if (!steady.ok) return finish(`the steady state did not come back after step ${o.id}: ${steady.reason}`);
  mark('steady', { detail: { text: 'steady state holds' } });
  if (plan.afterRevert.length > 0) {
    // The next step must not start with this step's alert still firing: the step's end is the verdicts' horizon.
    await watch(o, plan.afterRevert, 0, plan.afterRevertMs, sinceRevert);
    if (o.signal.aborted) return finish('interrupted (Ctrl-C) while watching after the revert');
  }
  return finish();
}

/**
 * Watches the step: the live verdicts (the checkers over the records so far)
 * say when every one of `expectations` (each decided by a target: see
 * Decides in suites/verdicts) is decided; at least `holdMs`, at most
 * `untilMs` of `since`, or until Ctrl-C.
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
    // An undecided expectation whose checker says no later record can decide it holds nothing open.
    const settled = withTarget.every((e, k) => {
      if (decided.has(k) || !window) return decided.has(k);
      const spec = o.judge.expectations.byName(e.name);
      try {
        return spec?.canStillDecide
          ? !spec.canStillDecide(o.live, window, spec.params.parse(e.params))
          : false;
      } catch {
        return false;
      }
    });
    if (elapsed >= untilMs || (elapsed >= holdMs && settled)) return;
    await abortableSleep(Math.min(WATCH_POLL_MS, Math.max(1, untilMs - elapsed)), o.signal).catch(
      () => undefined,
    );
  }
}
