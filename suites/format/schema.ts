import { z } from 'zod';

/*
 * A suite file: YAML, strict like the inventory (a typo in a key is an
 * error with its line and column, never a setting silently ignored).
 * Values that name hosts, VMs or ports may be selectors, resolved when the
 * step starts (the cluster moves VMs between steps), with the suite's seed
 * so a run replays: `{runningVm: vm1}`, `{random: hostRunningHaVm}`,
 * `{storagePortOf: host2}`, or `$name` for a selector the step named under
 * `select`.
 */

const duration = z.union([
  z.string().regex(/^\d+(?:\.\d+)?(ms|s|m|h)?$/, 'a duration such as 500ms, 30s, 2m or 1h'),
  z.number().positive(),
]);

export const RANDOM_KINDS = ['host', 'haVm', 'vm', 'hostRunningHaVm'] as const;

/** A name, or `$name` for a selector the step named under `select`. */
const nameOrVar = z.string().min(1);

export const selectorSchema = z.union(
  [
    /** The host the VM runs on now (crm_mon). */
    z.strictObject({ runningVm: nameOrVar }),
    /** One of a kind, drawn with the suite's seed; `except` leaves some out (the host a VM runs on). */
    z.strictObject({ random: z.enum(RANDOM_KINDS), except: z.array(nameOrVar).optional() }),
    /** One switch port of the host on a storage network (its port name; `switch` is set beside it). */
    z.strictObject({ storagePortOf: nameOrVar }),
  ],
  { error: 'a selector: {runningVm: VM}, {random: host|haVm|vm|hostRunningHaVm}, or {storagePortOf: HOST}' },
);
export type Selector = z.infer<typeof selectorSchema>;

const scalar = z.union([z.string(), z.number(), z.boolean()]);
const value = z.union([scalar, selectorSchema]);

/** Labels an alert must carry (alertFiredWithin): `{instance: $host}`; values may name a step's selector. */
const labelMap = z.record(z.string(), z.string());

/** One expectation: `restartedWithin: {vm: $vm}` (a mapping of one key, the checker's name, to its parameters). */
const expectation = z
  .record(z.string(), z.record(z.string(), z.union([value, z.array(scalar), labelMap])).default({}))
  .refine((r) => Object.keys(r).length === 1, 'one expectation per item: {NAME: {param: value}}');

/** A fault held for the whole step, injected before the step's own fault and reverted after it. */
export const conditionSchema = z.strictObject({
  fault: z.string().min(1),
  targets: z.array(z.union([nameOrVar, selectorSchema])).default([]),
  params: z.record(z.string(), value).default({}),
});
export type StepCondition = z.infer<typeof conditionSchema>;

export const stepSchema = z.strictObject({
  name: z.string().min(1),
  /** Named selectors of this step, resolved in order (a later one may use an earlier one's $name). */
  select: z
    .record(z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'a name of letters and digits'), selectorSchema)
    .optional(),
  /** A fault or planned action (havoc chaos list). */
  fault: z.string().min(1),
  targets: z.array(z.union([nameOrVar, selectorSchema])).default([]),
  /** The fault's parameters, as `-p key=value` of `havoc chaos inject` takes them. */
  params: z.record(z.string(), value).default({}),
  /**
   * Faults that hold while this one is injected (a dead BMC while the host hangs, so fencing must fall to
   * its next level): injected in order before the step's fault, reverted in reverse before it (its revert
   * may need what they broke). The verdicts count from the step's own fault.
   */
  while: z.array(conditionSchema).max(4).default([]),
  /** How long the fault is held before its revert (at least until every expectation is decided). */
  hold: duration.default('30s'),
  /** The guardian reverts the fault after this, whatever the run does (default: hold + the longest expectation + 2m). */
  maxDuration: duration.optional(),
  expect: z.array(expectation).default([]),
});
export type SuiteStep = z.infer<typeof stepSchema>;

export const suiteSchema = z.strictObject({
  version: z.literal(1).default(1),
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'a name of letters, digits, "_", "." or "-"'),
  description: z.string().optional(),
  /** The cluster inventory (relative to this file); default: -i, $HAVOC_INVENTORY, the lab's. */
  inventory: z.string().min(1).optional(),
  seed: z.number().int().min(0).default(1),
  repeat: z.number().int().min(1).max(1000).default(1),
  steadyState: z
    .strictObject({
      /** The checks that must hold before the first step and after every revert (default: every check). */
      checks: z.array(z.string().min(1)).min(1).optional(),
      /** How long the steady state may take to come back after a revert. */
      within: duration.default('5m'),
    })
    .default({ within: '5m' }),
  /**
   * The run's probes: one request every intervalMs to every HA VM. 20 ms by
   * default, not the probes' 10 ms: a lab guest under TCG (busybox httpd,
   * a process per request) falls behind at 100 requests a second on a loaded
   * machine, and a probe that overloads the service measures itself.
   */
  probe: z
    .strictObject({ intervalMs: z.number().positive().max(10_000).default(20) })
    .default({ intervalMs: 20 }),
  /**
   * Where the run's Alertmanager webhook receiver listens (HOST:PORT, a
   * loopback address or one of this station's); `--alert-webhook` overrides.
   * Without one, alertFiredWithin is inconclusive.
   */
  alertWebhook: z
    .string()
    .regex(/^(?:\[[0-9A-Fa-f:.]+\]|[^:[\]\s]+):\d{1,5}$/, 'HOST:PORT, e.g. 127.0.0.1:9095')
    .optional(),
  steps: z.array(stepSchema).min(1),
});
export type SuiteFile = z.infer<typeof suiteSchema>;
