export { bootId } from './boot-id.js';
export { type LedgerFault, type LedgerView, readLedger, unreverted } from './reader.js';
export {
  FAULT_STATES,
  type FaultDescription,
  type FaultState,
  faultDescription,
  type IntendedEntry,
  LEDGER_VERSION,
  type LedgerEntry,
  type LedgerInput,
  ledgerEntry,
  type RefusedEntry,
  requester,
} from './schema.js';
export { type LedgerWriter, openLedger } from './writer.js';
