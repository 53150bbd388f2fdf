import { Redactor } from '../../core/redact.js';
import { type LoadedInventory, loadInventory } from '../../inventory/load.js';
import { labDown } from '../../lab/down.js';
import { checkLabPrerequisites } from '../../lab/prerequisites.js';
import { type LabUpOptions, labUp } from '../../lab/up.js';

export interface TestLab {
  name: string;
  stateDir: string;
  inventory: string;
  loaded: LoadedInventory;
  down(): Promise<void>;
}

/**
 * Brings up a lab for one test file (the expensive part, so one per file),
 * refusing with the missing Debian packages named when the machine lacks them.
 */
export async function startTestLab(
  name: string,
  opts: { hosts?: number; volumes?: number; ha?: LabUpOptions['ha']; timeoutMs?: number } = {},
): Promise<TestLab> {
  const env = process.env;
  checkLabPrerequisites(env);
  const up = () =>
    labUp({
      name,
      hosts: opts.hosts ?? 2,
      volumes: opts.volumes ?? 1,
      recreate: true,
      env,
      signal: AbortSignal.timeout(opts.timeoutMs ?? 180_000),
      redactor: new Redactor(),
      progress: () => {},
      ...(opts.ha ? { ha: opts.ha } : {}),
    });
  // A lab that failed halfway is still up and no test holds its handle: take it down before reporting.
  const r = await up().catch(async (err: unknown) => {
    await labDown({ name, env, signal: AbortSignal.timeout(60_000) }).catch(() => {});
    throw err;
  });
  return {
    name,
    stateDir: r.stateDir,
    inventory: r.inventory,
    loaded: loadInventory(r.inventory, new Redactor()),
    down: async () => {
      await labDown({ name, env, signal: AbortSignal.timeout(60_000) });
    },
  };
}
