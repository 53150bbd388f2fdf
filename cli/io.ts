import type { Logger } from 'pino';
import { createLogger, type LogLevel } from '../core/log.js';
import { Redactor } from '../core/redact.js';

/**
 * Everything a command writes goes through here, so every line is redacted:
 * data to stdout, messages and logs to stderr.
 */
export interface CliIo {
  redactor: Redactor;
  log: Logger;
  out(text: string): void;
  err(text: string): void;
  json(value: unknown): void;
  /** Progress for a person at a terminal; silent when stderr is not a TTY or output is JSON. */
  progress(text: string): void;
}

export interface CliStreams {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

export function createIo(streams: CliStreams, level: LogLevel, jsonMode: boolean): CliIo {
  const redactor = new Redactor();
  const write = (stream: NodeJS.WritableStream, text: string) => {
    stream.write(redactor.redact(text.endsWith('\n') ? text : `${text}\n`));
  };
  return {
    redactor,
    log: createLogger(level, redactor, streams.stderr),
    out: (text) => write(streams.stdout, text),
    err: (text) => write(streams.stderr, text),
    json: (value) => write(streams.stdout, JSON.stringify(redactor.redactValue(value), null, 2)),
    progress: (text) => {
      if (!jsonMode && streams.stderr.isTTY) write(streams.stderr, text);
    },
  };
}
