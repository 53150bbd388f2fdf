import { HavocError } from '../../core/errors.js';
import { describeCorrupt, readJsonl } from '../jsonl/read-lines.js';
import { type TimelineRecord, timelineRecord } from './schema.js';

export interface TimelineContents {
  records: TimelineRecord[];
  /** The file line of each record (`lines[i]` holds `records[i]`): the ids verdicts and reports cite. */
  lines: number[];
  /** Line number of a torn last line (a writer killed mid-write), which was left out. */
  tornLine: number | undefined;
}

/**
 * Reads a timeline, validating every line. A torn last line is tolerated and
 * reported in `tornLine`; a corrupt line anywhere else fails with file:line,
 * because a verdict computed over a silently shortened history would lie.
 */
export function readTimeline(path: string): TimelineContents {
  let contents: ReturnType<typeof readJsonl<typeof timelineRecord>>;
  try {
    contents = readJsonl(path, timelineRecord);
  } catch (err) {
    throw new HavocError('input', `cannot read timeline ${path}: ${(err as Error).message}`, { cause: err });
  }
  const first = contents.corrupt[0];
  if (first) {
    const more =
      contents.corrupt.length > 1 ? ` (and ${contents.corrupt.length - 1} more corrupt lines)` : '';
    throw new HavocError('corrupt', `${describeCorrupt(first)}${more}`, {
      hint: 'the timeline was changed by something other than havoc; restore it or re-run',
    });
  }
  return {
    records: contents.records.map((r) => r.value),
    lines: contents.records.map((r) => r.line),
    tornLine: contents.torn?.line,
  };
}
