import { z } from 'zod';
import { monotonicNs } from '../timeline/schema.js';

/**
 * The fault ledger: one JSON Lines file per writer (a run, a guardian, a heal)
 * in the ledger directory on the management station, every record fsynced
 * before the step it announces. A fault's history is the records with its id,
 * across files; its state is the last of them.
 */
export const LEDGER_VERSION = 1;

export const FAULT_STATES = [
  'intended',
  'injected',
  'verified',
  'reverting',
  'reverted',
  'revert-failed',
  'refused',
] as const;
export type FaultState = (typeof FAULT_STATES)[number];

const stamp = {
  v: z.literal(LEDGER_VERSION),
  /** CLOCK_MONOTONIC ns; comparable only between records with the same bootId. */
  ns: monotonicNs,
  wall: z.iso.datetime(),
  bootId: z.string().min(1),
  /** The writer (run, guardian or heal) whose file holds the record. */
  by: z.string().min(1),
  fault: z.string().min(1),
};

/** Who asked for the fault, for the person who finds it later. */
export const requester = z.strictObject({
  user: z.string(),
  uid: z.number().int(),
  pid: z.number().int(),
  host: z.string(),
  command: z.string(),
});

/** What a fault says about itself for the ledger: serialisable, names and secret references, never values. */
export const faultDescription = z.strictObject({
  summary: z.string().min(1),
  targets: z.array(z.string()),
  revert: z.string().min(1),
  secretRefs: z
    .array(z.union([z.strictObject({ file: z.string() }), z.strictObject({ env: z.string() })]))
    .default([]),
});
export type FaultDescription = z.infer<typeof faultDescription>;

const intended = z.strictObject({
  ...stamp,
  state: z.literal('intended'),
  name: z.string().min(1),
  /** The fault's parameters after its schema parsed them: what a heal replays. */
  params: z.unknown(),
  description: faultDescription,
  maxDurationMs: z.number().int().positive(),
  /** The inventory the run used; a heal loads it again to reach the targets. */
  inventory: z.string().min(1),
  requester,
  guardianPid: z.number().int().optional(),
  /** The run's timeline, so a guardian or a heal adds its records there too. */
  timeline: z.string().min(1).optional(),
});

const refused = z.strictObject({
  ...stamp,
  state: z.literal('refused'),
  name: z.string().min(1),
  targets: z.array(z.string()),
  reasons: z.array(z.string()).min(1),
  inventory: z.string().min(1),
  requester,
});

const change = z.strictObject({
  ...stamp,
  state: z.enum(['injected', 'verified', 'reverting', 'reverted', 'revert-failed']),
  /** What was seen or went wrong, in words. */
  detail: z.string().optional(),
  evidence: z.array(z.string()).optional(),
});

export const ledgerEntry = z.discriminatedUnion('state', [intended, refused, change]);
export type LedgerEntry = z.infer<typeof ledgerEntry>;
export type IntendedEntry = z.infer<typeof intended>;
export type RefusedEntry = z.infer<typeof refused>;

type Unstamped<T> = T extends unknown ? Omit<T, 'v' | 'ns' | 'wall' | 'bootId' | 'by'> : never;
export type LedgerInput = Unstamped<z.input<typeof ledgerEntry>>;
