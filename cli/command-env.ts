import type { Command } from 'commander';
import type { LogLevel } from '../core/log.js';
import type { CliIo, CliStreams } from './io.js';

export interface GlobalOptions {
  json: boolean;
  logLevel: LogLevel;
  inventory?: string;
  /** --lab NAME: that lab's inventory instead of the default lab's. */
  lab?: string;
}

/** What each subcommand factory receives: the streams, and how to read the global options. */
export interface CommandEnv {
  streams: CliStreams;
  globals(cmd: Command): GlobalOptions;
  /** One IO per invocation; the first call creates it with the invocation's options. */
  io(globals: GlobalOptions): CliIo;
  /** Wraps an action so its returned exit code becomes the process's. */
  run<A extends unknown[]>(action: (...args: A) => number | Promise<number>): (...args: A) => Promise<void>;
}
