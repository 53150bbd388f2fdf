import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { HavocError } from '../../core/errors.js';
import { readInputFile } from '../../core/read-input-file.js';
import { YamlFileError } from '../../inventory/issues.js';
import type { Inventory } from '../../inventory/schema.js';
import type { YamlSource } from '../../inventory/yaml-source.js';
import { parseValidatedYaml } from '../../inventory/yaml-validate.js';
import type { BuiltinOptions } from '../builtin/builtin-suite.js';
import { BUILTIN_SUITES } from '../builtin/index.js';
import { checkSuite } from './check-suite.js';
import type { ExpectationRegistry, FaultRegistry } from './registries.js';
import { type SuiteFile, suiteSchema } from './schema.js';

export interface ParsedSuite {
  /** The file, or `builtin:NAME`. */
  file: string;
  builtin: boolean;
  suite: SuiteFile;
  source: YamlSource;
}

/** Parses and validates suite text against the schema (syntax, keys, types), every problem located. */
export function parseSuite(file: string, text: string, builtin = false): ParsedSuite {
  const { source, data } = parseValidatedYaml(
    file,
    text,
    suiteSchema,
    (issues) => new YamlFileError('suite', file, issues),
  );
  return { file, builtin, suite: data, source };
}

/** A file path (anything with a "/" or ending in .yaml/.yml, or that exists), else a built-in suite's name. */
export function isSuiteFile(nameOrFile: string): boolean {
  return /[/\\]|\.ya?ml$/.test(nameOrFile) || existsSync(nameOrFile);
}

/** The inventory a suite file names (relative to the file), if it names one. */
export function suiteInventoryPath(p: ParsedSuite): string | undefined {
  return p.suite.inventory === undefined || p.builtin
    ? undefined
    : resolve(dirname(p.file), p.suite.inventory);
}

/**
 * Reads a suite by file or built-in name. Built-in suites are derived from
 * the inventory (nightly has a step per host and VM), so they need it here;
 * a file only needs it for checkSuiteAgainst.
 */
export function readSuite(
  nameOrFile: string,
  inventory: () => Inventory,
  faults: FaultRegistry,
  builtin: BuiltinOptions = {},
): ParsedSuite {
  if (isSuiteFile(nameOrFile)) {
    const text = readInputFile(nameOrFile, {
      code: 'suite',
      what: 'suite',
      hint: `give a suite file, or a built-in suite: ${BUILTIN_SUITES.map((s) => s.name).join(', ')}`,
    });
    return parseSuite(nameOrFile, text);
  }
  const b = BUILTIN_SUITES.find((s) => s.name === nameOrFile);
  if (!b)
    throw new HavocError('usage', `no built-in suite "${nameOrFile}" and no such file`, {
      hint: `one of ${BUILTIN_SUITES.map((s) => s.name).join(', ')} (havoc suite list), or a path to a suite file`,
    });
  return parseSuite(`builtin:${b.name}`, b.yaml(inventory(), faults.names, builtin), true);
}

/** Throws YamlFileError('suite') with every problem checkSuite finds. */
export function checkSuiteAgainst(
  p: ParsedSuite,
  inv: Inventory,
  registries: { faults: FaultRegistry; expectations: ExpectationRegistry },
): void {
  const issues = checkSuite(p.suite, p.source, inv, registries);
  if (issues.length) throw new YamlFileError('suite', p.file, issues);
}
