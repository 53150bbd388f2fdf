import type { Redactor } from '../core/redact.js';
import type { LoadedInventory } from '../inventory/load.js';
import type { LocatedSecretRef } from '../inventory/secret-refs.js';
import { readFenceSnapshot } from './agent-snapshot.js';

/**
 * The inventory for one fence_havoc invocation: the snapshot named by
 * $HAVOC_FENCE_SNAPSHOT (written by `havoc fence-agent install`) when it is
 * the validated form of `file` as it is now, else `file` loaded and
 * validated in full; a snapshot that is not used is said on `note`, never
 * skipped silently. Every secret the inventory references is read and
 * registered with the redactor at once, so no later output can carry it.
 */
export async function loadAgentInventory(
  file: string,
  redactor: Redactor,
  env: NodeJS.ProcessEnv,
  note: (line: string) => void,
): Promise<{ loaded: LoadedInventory; from: 'snapshot' | 'file' }> {
  let loaded: LoadedInventory | undefined;
  let refs: LocatedSecretRef[] = [];
  const snapshot = env.HAVOC_FENCE_SNAPSHOT;
  if (snapshot) {
    const outcome = readFenceSnapshot(snapshot, file, redactor, env);
    if (outcome.kind === 'fresh') ({ loaded, secretRefs: refs } = outcome);
    else
      note(
        `Warning: snapshot not used (${outcome.reason}); loading ${file} in full: run havoc fence-agent install again`,
      );
  }
  const from = loaded ? 'snapshot' : 'file';
  if (!loaded) {
    // The schema and the YAML parser are most of a fence's start-up: only without a fresh snapshot.
    const [{ loadInventory }, { secretRefsOf }] = await Promise.all([
      import('../inventory/load.js'),
      import('../inventory/secret-refs.js'),
    ]);
    loaded = loadInventory(file, redactor);
    refs = secretRefsOf(loaded.inventory);
  }
  for (const { path: where, ref } of refs) {
    try {
      loaded.secrets.resolve(ref, where);
    } catch {
      // Reported by the device that needs it.
    }
  }
  return { loaded, from };
}
