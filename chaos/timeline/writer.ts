import { AppendFile } from '../jsonl/append-file.js';
import { TIMELINE_VERSION, type TimelineInput, type TimelineRecord, timelineRecord } from './schema.js';

/** How long a probe sample that changed nothing may sit in memory before it is written. */
const SAMPLE_FLUSH_MS = 100;
const MAX_BUFFER_BYTES = 64 * 1024;

export interface Timeline {
  readonly path: string;
  /**
   * Validates and appends one record, stamping `v`, and `ns`/`wall` unless
   * given. Every record that is not a probe sample, and every probe sample
   * whose result differs from that probe's previous one, is written through
   * at once (with what was buffered before it, in order); unchanged samples
   * are written at most 100 ms later. Throws on an invalid record.
   */
  append(record: TimelineInput): TimelineRecord;
  /** Writes what is buffered. */
  flush(): void;
  /** Flushes, fsyncs and closes; idempotent. */
  close(): void;
}

export interface TimelineOptions {
  /** Refuse to append to an existing file (a new run never reuses another's timeline). */
  exclusive?: boolean;
}

/**
 * Opens a run's timeline (creating it and its directory). Several processes
 * may append to the same file: each flush is a single O_APPEND write of whole
 * lines, so lines never interleave.
 */
export function openTimeline(path: string, opts: TimelineOptions = {}): Timeline {
  const file = AppendFile.open(path, { exclusive: opts.exclusive ?? false });
  const lastResult = new Map<string, string>();
  let buffer: string[] = [];
  let bytes = 0;
  let timer: NodeJS.Timeout | undefined;

  const flush = () => {
    if (timer) {
      clearTimeout(timer);
      timer = undefined;
    }
    if (buffer.length === 0) return;
    const text = buffer.join('');
    buffer = [];
    bytes = 0;
    file.write(text);
  };

  return {
    path,
    append(input) {
      if (file.closed) throw new Error(`timeline ${path} is already closed`);
      const record = timelineRecord.parse({
        ...input,
        v: TIMELINE_VERSION,
        ns: input.ns ?? process.hrtime.bigint().toString(),
        wall: input.wall ?? new Date().toISOString(),
      });
      const line = `${JSON.stringify(record)}\n`;
      buffer.push(line);
      bytes += line.length;
      let changed = true;
      if (record.kind === 'probe') {
        const result = `${record.ok}|${record.error ?? ''}`;
        changed = lastResult.get(record.probe) !== result;
        lastResult.set(record.probe, result);
      }
      if (changed || bytes >= MAX_BUFFER_BYTES) flush();
      else timer ??= setTimeout(flush, SAMPLE_FLUSH_MS).unref();
      return record;
    },
    flush,
    close() {
      if (file.closed) return;
      flush();
      file.close();
    },
  };
}
