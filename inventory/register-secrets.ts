import type { LoadedInventory } from './load.js';
import { secretRefsOf } from './secret-refs.js';

/**
 * Resolves every secret the inventory references, which registers each value
 * with the inventory's redactor right away, so no later output can carry one,
 * whichever path prints it. A secret that cannot be read is left to the
 * command that needs it (and to preflight) to report.
 */
export function registerSecrets(loaded: LoadedInventory): void {
  for (const { path: where, ref } of secretRefsOf(loaded.inventory)) {
    try {
      loaded.secrets.resolve(ref, where);
    } catch {
      // Reported by the commands that need the secret (and by preflight).
    }
  }
}
