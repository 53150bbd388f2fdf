import type { LoadedInventory } from '../load.js';

export type Severity = 'error' | 'warning';

export interface Finding {
  /** Stable id, e.g. `capacity.insufficient`; documented in the README's preflight table. */
  id: string;
  severity: Severity;
  message: string;
  /** Inventory objects concerned, as `kind:name` (host:host1, vm:web, network:storage). */
  objects: string[];
}

/** One preflight check per file: a name and a pure function of the inventory. */
export interface PreflightCheck {
  name: string;
  /** What the check guards against, for `havoc preflight --list`. */
  description: string;
  run(loaded: LoadedInventory): Finding[];
}
