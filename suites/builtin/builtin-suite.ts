import type { Inventory } from '../../inventory/schema.js';

/** A suite shipped with havoc: YAML text (validated like any suite file), derived from the inventory where it must be. */
export interface BuiltinSuite {
  name: string;
  summary: string;
  /** The suite for this inventory, with steps only for the faults and actions this build has. */
  yaml(inv: Inventory, faults: readonly string[]): string;
}
