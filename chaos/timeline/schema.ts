import { z } from 'zod';

/**
 * The timeline of one run: every ledger change, action, probe sample and
 * watcher observation, one JSON object per line. SLO verdicts read only this.
 *
 * Times: `ns` is CLOCK_MONOTONIC in nanoseconds (`process.hrtime.bigint()`),
 * shared by every process of the machine, so probes in child processes and
 * namespaces merge onto one axis; it is a decimal string because a JSON
 * number loses nanoseconds past 2^53 (~104 days of uptime). `wall` is for
 * display only. A peer's own timestamps (a fence record's `completed`) go in
 * fields, never in `ns`.
 */
export const TIMELINE_VERSION = 1;

export const monotonicNs = z.string().regex(/^\d{1,20}$/, 'monotonic nanoseconds as a decimal string');

const stamp = {
  v: z.literal(TIMELINE_VERSION),
  ns: monotonicNs,
  wall: z.iso.datetime(),
};

/** Free-form data a record carries (parsed fields of a probe answer, a watcher's observation). */
const fields = z.record(z.string(), z.unknown());

/** Start and end of the run that owns the timeline. */
export const runRecord = z.strictObject({
  ...stamp,
  kind: z.literal('run'),
  run: z.string().min(1),
  phase: z.enum(['start', 'end']),
  /** Machine identity, so ns values from different boots are never compared. */
  bootId: z.string().min(1).optional(),
  detail: fields.optional(),
});

/** A state change of a fault in the ledger, mirrored here with the same fault id. */
export const ledgerRecord = z.strictObject({
  ...stamp,
  kind: z.literal('ledger'),
  fault: z.string().min(1),
  name: z.string().min(1),
  state: z.enum(['intended', 'injected', 'verified', 'reverting', 'reverted', 'revert-failed', 'refused']),
  targets: z.array(z.string()),
  detail: z.string().optional(),
});

/** A planned action (live migration, standby) started, done or failed. */
export const actionRecord = z.strictObject({
  ...stamp,
  kind: z.literal('action'),
  action: z.string().min(1),
  id: z.string().min(1),
  phase: z.enum(['start', 'done', 'failed']),
  targets: z.array(z.string()).default([]),
  detail: fields.optional(),
});

/**
 * One probe request. `sentNs`/`answeredNs` are monotonic ns like `ns` (which
 * is when the sample was written). `fields` holds what the probe extracted
 * from the answer (the lab guest's boot id and disk counter). `count` and
 * `lastSentNs` let a writer fold a run of equal results into one record: the
 * `count` requests sent from `sentNs` to `lastSentNs` all had this `ok`,
 * `error` and `fields` (a new counter value is a new record), and
 * `answeredNs` is the first one's. A change of result always starts a new
 * record, so every change keeps its time (chaos/probes/measure.ts reads folds).
 */
export const probeRecord = z.strictObject({
  ...stamp,
  kind: z.literal('probe'),
  probe: z.string().min(1),
  sentNs: monotonicNs,
  answeredNs: monotonicNs.optional(),
  ok: z.boolean(),
  error: z.string().optional(),
  fields: fields.optional(),
  count: z.number().int().positive().optional(),
  lastSentNs: monotonicNs.optional(),
});

/** What a watcher (Pacemaker, libvirt, XAPI) saw, stamped on this station's clock. */
export const watchRecord = z.strictObject({
  ...stamp,
  kind: z.literal('watch'),
  watcher: z.string().min(1),
  /** What the observation is about: a node, a resource, a VM. */
  subject: z.string().min(1),
  event: z.string().min(1),
  fields: fields.optional(),
});

/**
 * A suite step's boundaries (suites/runner): what verdicts of that step may
 * read. `faults` names the ledger fault ids the step injected, so a verdict
 * finds "the injection" of its step without guessing from times.
 */
export const stepRecord = z.strictObject({
  ...stamp,
  kind: z.literal('step'),
  /** Unique in the run: "<repeat>.<index>" (1-based), e.g. "1.3". */
  step: z.string().min(1),
  phase: z.enum(['start', 'injected', 'reverted', 'steady', 'end']),
  /** The step's name from the suite file. */
  name: z.string().min(1).optional(),
  faults: z.array(z.string()).optional(),
  detail: fields.optional(),
});

export const timelineRecord = z.discriminatedUnion('kind', [
  runRecord,
  ledgerRecord,
  actionRecord,
  probeRecord,
  watchRecord,
  stepRecord,
]);
export type TimelineRecord = z.infer<typeof timelineRecord>;

type Unstamped<T> = T extends unknown ? Omit<T, 'v' | 'ns' | 'wall'> & { ns?: string; wall?: string } : never;
/** A record as a writer hands it over: the version, and unless given, `ns` and `wall`, are stamped on append. */
export type TimelineInput = Unstamped<z.input<typeof timelineRecord>>;
