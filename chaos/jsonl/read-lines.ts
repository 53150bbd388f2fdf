import { closeSync, openSync, readSync } from 'node:fs';
import type { z } from 'zod';

/** A line that is not what the file's schema says: reported with file:line, never skipped silently. */
export interface CorruptLine {
  file: string;
  line: number;
  message: string;
}

export interface JsonlContents<T> {
  records: { line: number; value: T }[];
  /** The last line, cut short by a writer that died mid-write (no newline, not a record). Tolerated. */
  torn: { line: number; text: string } | undefined;
  corrupt: CorruptLine[];
}

const CHUNK = 64 * 1024;

/**
 * Every line of a JSON Lines file, numbered from 1, read in chunks so a long
 * file is never one string. `terminated` is false only for a last line with
 * no newline after it.
 */
export function* jsonlLines(path: string): Generator<{ line: number; text: string; terminated: boolean }> {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(CHUNK);
    let pending: Buffer[] = [];
    let line = 0;
    for (;;) {
      const n = readSync(fd, buf, 0, CHUNK, null);
      if (n === 0) break;
      let start = 0;
      for (let i = buf.indexOf(10, 0); i !== -1 && i < n; i = buf.indexOf(10, i + 1)) {
        pending.push(buf.subarray(start, i));
        line++;
        yield { line, text: Buffer.concat(pending).toString('utf8'), terminated: true };
        pending = [];
        start = i + 1;
      }
      if (start < n) pending.push(Buffer.from(buf.subarray(start, n)));
    }
    if (pending.length > 0) {
      line++;
      yield { line, text: Buffer.concat(pending).toString('utf8'), terminated: false };
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads and validates every line of a JSON Lines file against `schema`. An
 * unterminated last line that does not parse is a torn write (the writer was
 * killed) and is tolerated; any other bad line is corrupt and is reported with
 * its file and line number. Blank lines are corrupt too: writers never emit them.
 */
export function readJsonl<S extends z.ZodType>(path: string, schema: S): JsonlContents<z.infer<S>> {
  const out: JsonlContents<z.infer<S>> = { records: [], torn: undefined, corrupt: [] };
  for (const { line, text, terminated } of jsonlLines(path)) {
    const problem = parseLine(text, schema);
    if (problem.ok) {
      out.records.push({ line, value: problem.value });
    } else if (!terminated) {
      out.torn = { line, text };
    } else {
      out.corrupt.push({ file: path, line, message: problem.message });
    }
  }
  return out;
}

function parseLine<S extends z.ZodType>(
  text: string,
  schema: S,
): { ok: true; value: z.infer<S> } | { ok: false; message: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { ok: false, message: `not JSON (${(err as Error).message}): ${preview(text)}` };
  }
  const r = schema.safeParse(json);
  if (r.success) return { ok: true, value: r.data };
  const issue = r.error.issues[0];
  const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  return { ok: false, message: `${where}${issue?.message ?? 'invalid'}: ${preview(text)}` };
}

function preview(text: string): string {
  return text.length > 120 ? `${text.slice(0, 120)}...` : text;
}

export function describeCorrupt(c: CorruptLine): string {
  return `${c.file}:${c.line}: ${c.message}`;
}
