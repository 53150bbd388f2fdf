import { type ParseArgsConfig, parseArgs } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;
type Config<O extends Options> = {
  options: O & { help: { type: 'boolean'; short: 'h' } };
  strict: true;
  allowPositionals: false;
};

/**
 * A bench's options. Benches build labs and run for minutes, so `--help`
 * prints the usage and exits 0 without starting anything, and an unknown
 * option or a missing value stops with exit 2 naming it, rather than a run
 * that silently ignores what was asked.
 */
export function benchArgs<const O extends Options>(
  usage: string,
  options: O,
): ReturnType<typeof parseArgs<Config<O>>>['values'] {
  const config: Config<O> = {
    options: { ...options, help: { type: 'boolean', short: 'h' } },
    strict: true,
    allowPositionals: false,
  };
  let parsed: ReturnType<typeof parseArgs<Config<O>>>;
  try {
    parsed = parseArgs(config);
  } catch (err) {
    usageError(err instanceof Error ? err.message : String(err), usage);
  }
  if ((parsed.values as { help?: boolean }).help) {
    process.stdout.write(`usage: ${usage}\n`);
    process.exit(0);
  }
  return parsed.values;
}

/** A count or a duration given as an option: a positive number, or exit 2 naming the option. */
export function positiveNumber(text: string | undefined, option: string, usage: string): number {
  const n = Number(text);
  if (text === undefined || text.trim() === '' || !Number.isFinite(n) || n <= 0)
    usageError(`${option} must be a positive number, not "${text ?? ''}"`, usage);
  return n;
}

export function usageError(message: string, usage: string): never {
  process.stderr.write(`${message}\nusage: ${usage}\n`);
  process.exit(2);
}
