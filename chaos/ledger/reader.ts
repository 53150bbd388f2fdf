import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { type CorruptLine, readJsonl } from '../jsonl/read-lines.js';
import {
  type FaultState,
  type IntendedEntry,
  type LedgerEntry,
  ledgerEntry,
  type RefusedEntry,
} from './schema.js';

/** One fault as the ledger tells it: its intent (or refusal) and every state change since, in order. */
export interface LedgerFault {
  id: string;
  intended: IntendedEntry | undefined;
  refused: RefusedEntry | undefined;
  history: LedgerEntry[];
  state: FaultState;
}

export interface LedgerView {
  dir: string;
  faults: LedgerFault[];
  /** Lines that are not ledger records: reported, never skipped silently. */
  corrupt: CorruptLine[];
  /** Last lines cut short by a writer that died mid-write (tolerated). */
  torn: { file: string; line: number }[];
}

const SETTLED: ReadonlySet<FaultState> = new Set(['reverted', 'refused']);

/** Reads every writer's file in the ledger directory (none yet: an empty ledger). */
export function readLedger(dir: string): LedgerView {
  const view: LedgerView = { dir, faults: [], corrupt: [], torn: [] };
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.jsonl'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return view;
    throw err;
  }
  const entries: LedgerEntry[] = [];
  for (const f of files.sort()) {
    const path = join(dir, f);
    const c = readJsonl(path, ledgerEntry);
    entries.push(...c.records.map((r) => r.value));
    view.corrupt.push(...c.corrupt);
    if (c.torn) view.torn.push({ file: path, line: c.torn.line });
  }
  entries.sort(compareEntries);
  const byId = new Map<string, LedgerFault>();
  for (const e of entries) {
    let f = byId.get(e.fault);
    if (!f) {
      f = { id: e.fault, intended: undefined, refused: undefined, history: [], state: e.state };
      byId.set(e.fault, f);
    }
    if (e.state === 'intended') f.intended = e;
    if (e.state === 'refused') f.refused = e;
    f.history.push(e);
    f.state = e.state;
  }
  view.faults = [...byId.values()];
  return view;
}

/** Faults that may still be in effect (anything after an intent but a verified revert), newest first. */
export function unreverted(view: LedgerView): LedgerFault[] {
  return view.faults
    .filter((f) => !SETTLED.has(f.state))
    .sort((a, b) => compareEntries(b.history[0]!, a.history[0]!));
}

/** Order of records: monotonic ns within one boot, wall time across boots. */
function compareEntries(a: LedgerEntry, b: LedgerEntry): number {
  if (a.bootId === b.bootId) {
    const d = BigInt(a.ns) - BigInt(b.ns);
    return d < 0n ? -1 : d > 0n ? 1 : 0;
  }
  return a.wall < b.wall ? -1 : a.wall > b.wall ? 1 : 0;
}
