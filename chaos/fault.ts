import type { Logger } from 'pino';
import type { z } from 'zod';
import type { LoadedInventory } from '../inventory/load.js';
import type { Inventory } from '../inventory/schema.js';
import type { SshPool } from '../protocols/ssh/index.js';
import type { FaultDescription } from './ledger/schema.js';

export type { FaultDescription };

/** What a fault needs to act: the cluster as the inventory describes it and the ways to reach it. */
export interface FaultContext {
  inventory: Inventory;
  /** Where the inventory was read from; the ledger records it so a later heal can load it again. */
  inventoryFile: string;
  /** The inventory with its secrets, for faults that log in to a BMC or a switch (fencers/device-factory.ts needs it). */
  loaded: LoadedInventory;
  /** SSH to the hosts, the way the exporter reaches them (one pooled connection per host). */
  ssh: SshPool;
  log: Logger;
  /** Aborts the step; every network operation under it also has its own deadline. */
  signal: AbortSignal;
  /**
   * Inject only: the fault's maximum duration as its ledger entry holds it,
   * for a fault that leaves a dead man's switch on its target (host-hang's
   * cgroup freeze) to end it by itself after that, whoever else is gone.
   */
  maxDurationMs?: number;
}

/**
 * What an independent observation saw: not the fault's own bookkeeping
 * ("the rules were loaded") but the effect ("a ping across did not cross").
 */
export interface Observation {
  /** Every part of the fault seen in effect, none of it, or some. */
  state: 'in-effect' | 'absent' | 'partial';
  /** One line per thing observed, for the ledger and the person reading it. */
  evidence: string[];
  /**
   * Actions only: what of the action is still in place for its revert to
   * undo (a cli- constraint, a standby flag, a VM held stopped), seen the
   * same independent way. An action is reverted when this is empty, whatever
   * `state` says: a live migration's result (the VM on its new host) stays,
   * what it leaves behind must not.
   */
  leftBehind?: string[];
}

/** What an action's inject reports about itself for its `done` timeline record (a migration's own downtime). */
export type ActionDetail = Record<string, unknown>;

/**
 * What an injection learnt that its parameters could not say (the PID a
 * daemon-kill killed): `detail` goes on the `injected` ledger record, and
 * the run hands the whole of it to `verify` right after the injection.
 */
export interface Injection {
  detail?: string;
  /** Only for this run's verify; a heal has the parameters alone. */
  facts?: Readonly<Record<string, unknown>>;
  /** An action's report of itself (a live migration's own downtime), for its `done` timeline record. */
  action?: ActionDetail;
}

/**
 * A fault: one file in chaos/faults/, listed once in chaos/faults/index.ts.
 * The engine (chaos/run.ts, chaos/heal.ts) does the rest: refusals, the
 * ledger, the guardian, the timeline. Every step must be safe to repeat:
 * a heal replays `revert` on a fault that may never have been injected
 * (the run died between its intent and the injection) or was reverted
 * halfway.
 */
export interface Fault<P> {
  readonly name: string;
  /**
   * A fault breaks something; an action is an everyday operation (a live
   * migration, a standby) that `inject` performs and waits for, `verify` sees
   * done, and `revert` cleans up after (chaos/actions/). Both share the
   * ledger, the guardian and heal; an action also writes `action` records.
   */
  readonly kind: 'fault' | 'action';
  /** One line for `havoc chaos list`. */
  readonly summary: string;
  /** The parameters; parsed values are what the ledger stores and a heal replays (no secret values). */
  readonly params: z.ZodType<P>;
  /** Raw parameters from `havoc chaos inject NAME TARGET... -p key=value`, for `params` to parse. */
  fromCommandLine(
    targets: readonly string[],
    options: Readonly<Record<string, string>>,
    inventory: Inventory,
  ): unknown;
  /**
   * Fills what depends on the cluster now (live-migrate's default target:
   * another allowed host than the one the VM runs on), before the refusals;
   * what it returns is what the ledger stores. A failure is a refusal.
   */
  resolve?(params: P, ctx: FaultContext): Promise<P>;
  /** Inventory hosts the fault acts on: each must exist and must not be the management station. */
  hosts(params: P): string[];
  /** Refuse unless every host has fencing (a fault the cluster can only survive by fencing). */
  readonly requiresFencing: boolean;
  /** The longest the fault may stay injected; the guardian reverts it after that whatever the run does. */
  readonly maxDurationMs: number;
  /**
   * Reasons not to start, beyond the generic ones (unknown host, the station,
   * missing fencing): an unknown network, a host already carrying a havoc
   * fault. Empty when the fault may go ahead. Must change nothing.
   */
  refuse(params: P, ctx: FaultContext): Promise<string[]>;
  /** For the ledger: serialisable, names and secret references, never values. */
  describe(params: P): FaultDescription;
  /**
   * Performs it; an action waits until it is done. What it learnt goes in
   * its Injection: `detail` on the `injected` ledger record, `facts` to this
   * run's verify, `action` (an action's report of itself) on its `done` record.
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: a fault that learns nothing returns nothing (most do).
  inject(params: P, ctx: FaultContext): Promise<Injection | void>;
  /**
   * Looks at the effect from outside the mechanism that made it. `injection`
   * is what this run's inject returned; a heal verifies its revert without
   * one, from the parameters alone.
   */
  verify(params: P, ctx: FaultContext, injection?: Injection): Promise<Observation>;
  /** Undoes the fault; idempotent, and safe on a fault that was never injected. */
  revert(params: P, ctx: FaultContext): Promise<void>;
}

/**
 * A fault of any parameter type, as lists hold them. Method parameters are
 * bivariant in TypeScript, so every Fault<P> is one.
 */
export type AnyFault = Fault<unknown>;
