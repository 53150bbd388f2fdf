import type { Inventory } from '../../inventory/schema.js';

/** A suite shipped with havoc: YAML text (validated like any suite file), derived from the inventory where it must be. */
export interface BuiltinSuite {
  name: string;
  summary: string;
  /**
   * The suite for this inventory, with steps only for the faults and actions
   * this build has, and alertFiredWithin expectations only when the run has
   * an Alertmanager webhook receiver (`alerts`).
   */
  yaml(inv: Inventory, faults: readonly string[], o?: BuiltinOptions): string;
}

export interface BuiltinOptions {
  /** The run has an Alertmanager webhook receiver (--alert-webhook). */
  alerts?: boolean;
}
