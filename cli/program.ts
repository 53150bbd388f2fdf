import { Command, CommanderError, Option } from 'commander';
import { errorMessage, HavocError } from '../core/errors.js';
import { LOG_LEVELS, type LogLevel } from '../core/log.js';
import type { CommandEnv, GlobalOptions } from './command-env.js';
import { EXIT } from './exit-codes.js';
import { type CliIo, type CliStreams, createIo } from './io.js';
import { SUBCOMMANDS } from './subcommands.js';

const EXIT_BY_CODE: Record<string, number> = {
  inventory: EXIT.badInput,
  secret: EXIT.badInput,
  'web-config': EXIT.badInput,
  usage: EXIT.usage,
  environment: EXIT.environment,
  'missing-program': EXIT.environment,
  config: EXIT.badInput,
  corrupt: EXIT.badInput,
  /** An input file that cannot be read (a timeline). */
  input: EXIT.badInput,
  refused: EXIT.failed,
  suite: EXIT.badInput,
  waivers: EXIT.badInput,
  'ledger-not-empty': EXIT.aborted,
};

/**
 * Runs the havoc CLI and returns its exit code (never calls process.exit, so
 * tests can run it in-process). Errors become one readable, redacted line.
 */
export async function runCli(argv: readonly string[], streams: CliStreams): Promise<number> {
  let exitCode: number = EXIT.ok;
  let io: CliIo | undefined;
  const getIo = (g: GlobalOptions): CliIo => {
    io ??= createIo(streams, g.logLevel, g.json);
    return io;
  };
  const env: CommandEnv = {
    streams,
    globals: (cmd) => cmd.optsWithGlobals() as GlobalOptions,
    io: getIo,
    run:
      (action) =>
      async (...args) => {
        exitCode = await action(...args);
      },
  };

  const program = new Command('havoc')
    .description(
      'Monitoring, fencing and chaos testing for highly available virtualization clusters.\n' +
        'Every command takes a cluster inventory; without one it uses the local lab (`havoc lab up`).',
    )
    .option('--json', 'machine-readable output on stdout', false)
    .addOption(
      new Option('--log-level <level>', 'log verbosity on stderr').choices(LOG_LEVELS).default('warn'),
    )
    .option('-i, --inventory <file>', "cluster inventory (default: $HAVOC_INVENTORY, then the lab's)")
    .option(
      '--lab <name>',
      'use the inventory of the local lab of that name ($HAVOC_LAB_NAME; default havoc)',
    )
    .showHelpAfterError('(run with --help for usage)')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => streams.stdout.write(s),
      writeErr: (s) => streams.stderr.write(s),
    });
  // Settings are inherited only by commands created with .command(), so apply
  // them to every level of the subcommand trees explicitly.
  const inherit = (cmd: Command) => {
    cmd.exitOverride();
    cmd.configureOutput(program.configureOutput());
    cmd.showHelpAfterError('(run with --help for usage)');
    cmd.commands.forEach(inherit);
  };
  for (const make of SUBCOMMANDS) {
    const sub = make(env);
    inherit(sub);
    program.addCommand(sub);
  }

  try {
    await program.parseAsync(argv as string[], { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version are not errors; anything else commander rejects is a usage error.
      if (
        err.code === 'commander.helpDisplayed' ||
        err.code === 'commander.version' ||
        err.code === 'commander.help'
      ) {
        return EXIT.ok;
      }
      return EXIT.usage;
    }
    const out = io ?? createIo(streams, 'warn' as LogLevel, false);
    if (err instanceof HavocError) {
      out.err(`havoc: ${err.describe()}`);
      return EXIT_BY_CODE[err.code] ?? EXIT.failed;
    }
    out.err(`havoc: internal error: ${errorMessage(err)}`);
    out.log.debug({ err }, 'internal error');
    return EXIT.internal;
  }
}
