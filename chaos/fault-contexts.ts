import { resolve } from 'node:path';
import type { Logger } from 'pino';
import type { Redactor } from '../core/redact.js';
import { type LoadedInventory, loadInventory } from '../inventory/load.js';
import { registerSecrets } from '../inventory/register-secrets.js';
import { SshPool } from '../protocols/ssh/index.js';
import type { FaultContext } from './fault.js';

/**
 * Fault contexts for the inventories a ledger names (a heal may meet faults
 * from several), loaded once each, sharing one SSH pool. Close it when done.
 */
export class FaultContexts {
  readonly ssh = new SshPool();
  private readonly loaded = new Map<string, LoadedInventory>();

  constructor(
    private readonly redactor: Redactor,
    private readonly log: Logger,
  ) {}

  /** Registers an inventory already loaded (a run's own), so it is not read again. */
  add(loaded: LoadedInventory): void {
    this.loaded.set(resolve(loaded.file), loaded);
  }

  contextFor(inventoryFile: string, signal: AbortSignal): FaultContext {
    const key = resolve(inventoryFile);
    let l = this.loaded.get(key);
    if (!l) {
      l = loadInventory(key, this.redactor);
      registerSecrets(l);
      this.loaded.set(key, l);
    }
    return { inventory: l.inventory, inventoryFile: key, loaded: l, ssh: this.ssh, log: this.log, signal };
  }

  close(): void {
    this.ssh.close();
  }
}
