import type { z } from 'zod';
import { errorMessage } from '../../core/errors.js';
import type { InventoryIssue } from '../../inventory/issues.js';
import type { Inventory } from '../../inventory/schema.js';
import {
  formatPath,
  keyPositionOf,
  positionOf,
  type YamlPath,
  type YamlSource,
} from '../../inventory/yaml-source.js';
import { zodIssuesToInventoryIssues } from '../../inventory/zod-issues.js';
import { STEADY_CHECK_NAMES } from '../steady-state/index.js';
import { alertWebhookProblem } from './alert-webhook.js';
import type { ExpectationRegistry, FaultRegistry } from './registries.js';
import { missingTargetHint, resolveStep, StepResolutionError } from './resolve-step.js';
import type { SuiteFile } from './schema.js';
import { seededRandom } from './seeded-random.js';

/**
 * What the schema cannot check: names of steady-state checks, faults and
 * expectations, and each step resolved once against the inventory (VMs on
 * their home hosts) and handed to the fault's own command-line parser and
 * the expectations' schemas, as a run would. Every problem is located in
 * the file, so a typo is found before anything is injected.
 */
export function checkSuite(
  suite: SuiteFile,
  source: YamlSource | undefined,
  inv: Inventory,
  registries: { faults: FaultRegistry; expectations: ExpectationRegistry },
): InventoryIssue[] {
  const issues: InventoryIssue[] = [];
  const add = (path: YamlPath, message: string, expected?: string, key?: string) =>
    issues.push({
      path: formatPath(key === undefined ? path : [...path, key]),
      ...(source ? (key === undefined ? positionOf(source, path) : keyPositionOf(source, path, key)) : {}),
      message,
      ...(expected === undefined ? {} : { expected }),
    });
  const zodAt = (prefix: YamlPath, zodIssues: readonly z.core.$ZodIssue[]) => {
    const moved = zodIssues.map((i) => ({ ...i, path: [...prefix, ...i.path] }) as z.core.$ZodIssue);
    if (source) issues.push(...zodIssuesToInventoryIssues(source, source.doc.toJS(), moved));
    else for (const i of moved) add(i.path as YamlPath, i.message);
  };

  if (suite.alertWebhook !== undefined) {
    const problem = alertWebhookProblem(suite.alertWebhook);
    if (problem)
      add(['alertWebhook'], problem, 'a loopback address (127.0.0.1:9095) or an address of this station');
  }

  (suite.steadyState.checks ?? []).forEach((c, k) => {
    if (!STEADY_CHECK_NAMES.includes(c))
      add(
        ['steadyState', 'checks', k],
        `unknown steady-state check "${c}"`,
        `one of ${STEADY_CHECK_NAMES.join(', ')}`,
      );
  });

  suite.steps.forEach((step, i) => {
    const base: YamlPath = ['steps', i];
    const faultOf = (name: string, at: YamlPath) => {
      const f = registries.faults.byName(name);
      if (!f)
        add(
          [...at, 'fault'],
          `unknown fault or action "${name}"`,
          `one of ${registries.faults.names.join(', ')}`,
        );
      return f;
    };
    const fault = faultOf(step.fault, base);
    const conditionFaults = step.while.map((c, k) => faultOf(c.fault, [...base, 'while', k]));
    step.expect.forEach((item, j) => {
      const name = Object.keys(item)[0]!;
      if (!registries.expectations.byName(name))
        add(
          [...base, 'expect', j],
          `unknown expectation "${name}"`,
          `one of ${registries.expectations.names.join(', ')}`,
          name,
        );
    });
    let resolved: ReturnType<typeof resolveStep>;
    try {
      resolved = resolveStep(step, inv, {
        inventory: inv,
        placement: (vm) => {
          const v = inv.vms.find((x) => x.name === vm);
          if (!v)
            throw new StepResolutionError(
              [],
              `no VM "${vm}" in the inventory`,
              `one of ${inv.vms.map((x) => x.name).join(', ')}`,
            );
          return [v.homeHost];
        },
        rng: seededRandom(suite.seed, 1, i + 1),
      });
    } catch (err) {
      const path = err instanceof StepResolutionError ? [...base, ...err.path] : base;
      add(path, errorMessage(err));
      return;
    }
    const checkUse = (
      f: typeof fault,
      u: { targets: string[]; options: Record<string, string> },
      at: YamlPath,
      hasParams: boolean,
    ) => {
      if (!f) return;
      try {
        const raw = f.fromCommandLine(u.targets, u.options, inv);
        const parsed = f.params.safeParse(raw);
        if (!parsed.success)
          add([...at, 'params'], `not parameters ${f.name} takes: ${parsed.error.issues[0]?.message}`);
        else {
          const unknownHosts = f.hosts(parsed.data).filter((h) => !inv.hosts.some((x) => x.name === h));
          if (unknownHosts.length)
            add(
              [...at, 'targets'],
              `unknown host ${unknownHosts.join(', ')}`,
              `one of ${inv.hosts.map((h) => h.name).join(', ')}`,
            );
        }
      } catch (err) {
        add([...at, hasParams ? 'params' : 'targets'], `${f.name}: ${errorMessage(err)}`);
      }
    };
    checkUse(fault, resolved, base, Object.keys(step.params).length > 0);
    resolved.conditions.forEach((c, k) =>
      checkUse(conditionFaults[k], c, [...base, 'while', k], Object.keys(step.while[k]!.params).length > 0),
    );
    resolved.expectations.forEach((e, j) => {
      const spec = registries.expectations.byName(e.name);
      if (!spec) return;
      const parsed = spec.params.safeParse(e.params);
      if (parsed.success) return;
      const missingTarget = parsed.error.issues.find(
        (x) => x.path.length === 1 && x.path[0] === 'targetMs' && e.params.targetMs === undefined,
      );
      if (missingTarget)
        add(
          [...base, 'expect', j, e.name],
          `${e.name} needs a target and the inventory sets none`,
          missingTargetHint(e.name),
        );
      zodAt(
        [...base, 'expect', j, e.name],
        parsed.error.issues.filter((x) => x !== missingTarget),
      );
    });
  });
  return issues;
}
