import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { labInventoryPath } from '../lab/paths.js';

const STATION_LEDGER = '/var/lib/havoc/ledger';

/**
 * Where the fault ledger lives, always on the management station: --ledger,
 * then $HAVOC_LEDGER_DIR, then beside the lab's state when the inventory (or --lab) is a
 * lab's (so a lab's ledger goes with the lab), then /var/lib/havoc/ledger.
 */
export function ledgerDirFor(
  explicit: string | undefined,
  inventory: string | undefined,
  env: NodeJS.ProcessEnv,
  /** --lab NAME: that lab's inventory when none is given. */
  lab?: string,
): string {
  if (explicit) return resolve(explicit);
  if (env.HAVOC_LEDGER_DIR) return resolve(env.HAVOC_LEDGER_DIR);
  const inv =
    inventory ??
    (lab ? labInventoryPath(lab, env) : undefined) ??
    env.HAVOC_INVENTORY ??
    (existsSync(labInventoryPath('havoc', env)) ? labInventoryPath('havoc', env) : undefined);
  if (inv) {
    const dir = dirname(resolve(inv));
    if (resolve(inv) === resolve(labInventoryPath(basename(dir), env))) return join(dir, 'ledger');
  }
  return STATION_LEDGER;
}

/** Run timelines go beside the ledger: <ledger>/../timelines/<run>.jsonl. */
export function timelineDirFor(explicit: string | undefined, ledgerDir: string): string {
  return explicit ? resolve(explicit) : join(dirname(ledgerDir), 'timelines');
}
