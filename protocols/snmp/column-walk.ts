import { compareOids, instanceOf } from './oid.js';
import { isException, type RawVarbind } from './varbind-values.js';

/*
 * Walking several columns of a table with one GETBULK per round trip: ask for
 * the next `maxRepetitions` instances of every unfinished column at once, and
 * continue each column from the last OID it returned. An agent truncates a
 * large answer anywhere (net-snmp's snmpd stops at 100 varbinds by default),
 * so each column advances by what it got, independently of the others.
 * These functions are pure: the session sends, this decides.
 */

export interface ColumnCursor {
  /** The column OID, e.g. ifAdminStatus 1.3.6.1.2.1.2.2.1.7. */
  readonly column: string;
  /** The last OID received; the next GETBULK continues after it. */
  next: string;
  done: boolean;
  /** Instance suffix ("12") -> varbind, in the order the agent returned them. */
  readonly rows: Map<string, RawVarbind>;
}

export function startCursors(columns: readonly string[]): ColumnCursor[] {
  return columns.map((column) => ({ column, next: column, done: false, rows: new Map() }));
}

export function pendingCursors(cursors: readonly ColumnCursor[]): ColumnCursor[] {
  return cursors.filter((c) => !c.done);
}

export class WalkOrderError extends Error {}

/**
 * Feeds one GETBULK answer into the cursors that were asked (same order as
 * the request's varbinds). Returns how many instances were added, so the
 * caller can tell an agent that stopped making progress from a finished walk.
 */
export function absorbBulkAnswer(
  asked: readonly ColumnCursor[],
  answer: readonly (readonly RawVarbind[])[],
): number {
  let added = 0;
  asked.forEach((cursor, i) => {
    const varbinds = answer[i] ?? [];
    for (const vb of varbinds) {
      if (isException(vb)) {
        cursor.done = true;
        break;
      }
      const suffix = instanceOf(cursor.column, vb.oid);
      if (suffix === undefined) {
        cursor.done = true;
        break;
      }
      // An agent that answers with an OID at or before the one asked for
      // would make the walk loop forever.
      if (compareOids(vb.oid, cursor.next) <= 0) {
        throw new WalkOrderError(`the agent returned ${vb.oid} after ${cursor.next} (OIDs not increasing)`);
      }
      cursor.rows.set(suffix, vb);
      cursor.next = vb.oid;
      added++;
    }
  });
  return added;
}

/**
 * Splits columns into as few groups of at most `size` as possible, evenly
 * (9 by 4 -> 3+3+3, not 4+4+1): the walk lasts as long as its longest chain.
 */
export function columnGroups<T>(columns: readonly T[], size: number): T[][] {
  if (columns.length === 0) return [];
  const count = Math.ceil(columns.length / Math.max(1, size));
  const groups: T[][] = [];
  let start = 0;
  for (let g = 0; g < count; g++) {
    const end = start + Math.ceil((columns.length - start) / (count - g));
    groups.push(columns.slice(start, end));
    start = end;
  }
  return groups;
}
