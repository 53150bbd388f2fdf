import { join } from 'node:path';
import { HavocError } from '../../core/errors.js';
import type { Redactor } from '../../core/redact.js';
import { AppendFile } from '../jsonl/append-file.js';
import { bootId } from './boot-id.js';
import { LEDGER_VERSION, type LedgerEntry, type LedgerInput, ledgerEntry } from './schema.js';

export interface LedgerWriter {
  /** The writer's id: its file is `<dir>/<id>.jsonl`, and every record it writes says `by: id`. */
  readonly id: string;
  readonly dir: string;
  /**
   * Validates the record, refuses it if it holds a secret value the redactor
   * knows, appends it and fsyncs before returning: call it BEFORE the step
   * it announces. The file (and, when new, its directory) is created on the
   * first record, so a writer that records nothing leaves nothing behind.
   */
  record(input: LedgerInput): LedgerEntry;
  close(): void;
}

export function openLedger(dir: string, id: string, redactor: Redactor): LedgerWriter {
  let file: AppendFile | undefined;
  const boot = bootId();
  return {
    id,
    dir,
    record(input) {
      const entry = ledgerEntry.parse({
        ...input,
        v: LEDGER_VERSION,
        ns: process.hrtime.bigint().toString(),
        wall: new Date().toISOString(),
        bootId: boot,
        by: id,
      });
      const line = `${JSON.stringify(entry)}\n`;
      if (redactor.redact(line) !== line) {
        throw new HavocError(
          'secret',
          `refusing to write a secret value into the ledger (fault ${entry.fault})`,
          {
            hint: 'a fault must describe itself with secret references ({file} or {env}), never values; this is a bug in the fault',
          },
        );
      }
      file ??= AppendFile.open(join(dir, `${id}.jsonl`), { exclusive: true });
      file.write(line);
      file.sync();
      return entry;
    },
    close() {
      file?.close();
    },
  };
}
