import { HavocError } from '../../core/errors.js';
import type { Inventory } from '../../inventory/schema.js';
import { EXPECTATIONS, isExpectationName, sloTarget } from '../verdicts/index.js';
import type { SuiteStep } from './schema.js';
import { isSelector, nameOf, resolveSelector, type SelectionContext } from './selectors.js';

/** A step with every selector resolved: what `havoc chaos inject` would be given, and the expectations' parameters. */
/** One fault of a step with its targets and options resolved. */
export interface ResolvedFaultUse {
  fault: string;
  targets: string[];
  /** As `-p key=value`. */
  options: Record<string, string>;
}

export interface ResolvedStep {
  targets: string[];
  /** As `-p key=value`. */
  options: Record<string, string>;
  /** The step's `while` faults, in order. */
  conditions: ResolvedFaultUse[];
  expectations: { name: string; params: Record<string, unknown>; targetFrom?: string }[];
  /** How each selector was resolved: "select.vm", "targets[0]", "params.port". */
  selections: Record<string, string>;
}

/** Thrown with the YAML path (under the step) where resolution failed. */
export class StepResolutionError extends HavocError {
  constructor(
    readonly path: (string | number)[],
    message: string,
    hint?: string,
  ) {
    super('suite', message, hint === undefined ? {} : { hint });
  }
}

function at<T>(path: (string | number)[], f: () => T): T {
  try {
    return f();
  } catch (err) {
    if (err instanceof StepResolutionError)
      throw new StepResolutionError([...path, ...err.path], err.message, err.hint);
    const e = err as HavocError;
    throw new StepResolutionError(path, e.message, e.hint);
  }
}

export function resolveStep(
  step: SuiteStep,
  inv: Inventory,
  ctx: Omit<SelectionContext, 'vars'>,
): ResolvedStep {
  const vars = new Map<string, string>();
  const selections: Record<string, string> = {};
  const sctx = (): SelectionContext => ({ ...ctx, vars });
  for (const [name, sel] of Object.entries(step.select ?? {})) {
    const s = at(['select', name], () => resolveSelector(sel, sctx()));
    vars.set(name, s.value);
    selections[`select.${name}`] = s.how;
  }
  const use = (
    u: { targets: SuiteStep['targets']; params: SuiteStep['params'] },
    prefix: (string | number)[],
  ): { targets: string[]; options: Record<string, string> } => {
    const key = (rest: string) =>
      prefix.length ? `${prefix.join('.').replace(/\.(\d+)/g, '[$1]')}.${rest}` : rest;
    const targets = u.targets.map((t, i) =>
      at([...prefix, 'targets', i], () => {
        if (!isSelector(t)) return nameOf(t, vars);
        const s = resolveSelector(t, sctx());
        selections[key(`targets[${i}]`)] = s.how;
        return s.value;
      }),
    );
    const options: Record<string, string> = {};
    const implied: Record<string, string> = {};
    for (const [k, v] of Object.entries(u.params)) {
      at([...prefix, 'params', k], () => {
        if (isSelector(v)) {
          const s = resolveSelector(v, sctx());
          options[k] = s.value;
          Object.assign(implied, s.also);
          selections[key(`params.${k}`)] = s.how;
        } else options[k] = typeof v === 'string' ? nameOf(v, vars) : String(v);
      });
    }
    for (const [k, v] of Object.entries(implied)) if (!(k in options)) options[k] = v;
    return { targets, options };
  };
  const conditions = step.while.map((c, i) => ({ fault: c.fault, ...use(c, ['while', i]) }));
  const { targets, options } = use(step, []);
  const expectations = step.expect.map((item, j) => {
    const [name, raw] = Object.entries(item)[0]!;
    const params: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(raw)) {
      params[key] = at(['expect', j, name, key], () => {
        if (isSelector(v)) return resolveSelector(v, sctx()).value;
        if (typeof v === 'string') return nameOf(v, vars);
        if (typeof v === 'object' && v !== null && !Array.isArray(v))
          return Object.fromEntries(
            Object.entries(v).map(([k, text]) => [k, at([k], () => nameOf(String(text), vars))]),
          );
        return v;
      });
    }
    let targetFrom: string | undefined;
    if (params.targetMs === undefined && isExpectationName(name)) {
      const vm = typeof params.vm === 'string' ? inv.vms.find((v) => v.name === params.vm) : undefined;
      const t = sloTarget(name, { vm: vm?.slo, defaults: inv.slos.defaults });
      if (t !== undefined) {
        params.targetMs = t.ms;
        targetFrom = t.from;
      }
    }
    return { name, params, ...(targetFrom ? { targetFrom } : {}) };
  });
  return { targets, options, conditions, expectations, selections };
}

/** For an expectation that lacks targetMs: where the user can set it. */
function sloKeyOf(expectation: string): string | undefined {
  if (!isExpectationName(expectation)) return undefined;
  const slo = (EXPECTATIONS[expectation] as { slo?: { key: string } }).slo;
  return slo ? `slos.defaults.${slo.key} or vms[].slo.${slo.key}` : undefined;
}

export function missingTargetHint(expectation: string): string {
  const key = sloKeyOf(expectation);
  return key ? `set targetMs in the step, or ${key} in the inventory` : 'set targetMs in the step';
}
