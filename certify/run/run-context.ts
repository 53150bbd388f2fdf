import type { Logger } from 'pino';
import type { GuardianConfig } from '../../chaos/guardian/protocol.js';
import type { Redactor } from '../../core/redact.js';
import type { LoadedInventory } from '../../inventory/load.js';
import type { SuiteListener } from '../../suites/runner/events.js';

/** What every part of a certification run is handed: the cluster, the ledger, logging, progress and Ctrl-C. */
export interface CertifyRunContext {
  loaded: LoadedInventory;
  ledgerDir: string;
  redactor: Redactor;
  log: Logger;
  logLevel: GuardianConfig['logLevel'];
  /** The command line, as the ledger and the guardian record it. */
  command: string;
  progress(text: string): void;
  listener: SuiteListener;
  signal: AbortSignal;
}
