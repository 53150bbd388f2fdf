import type { BuiltinSuite } from './builtin-suite.js';
import { nightlySuite } from './nightly.js';
import { smokeSuite } from './smoke.js';

/** Every built-in suite; adding one is a file in this folder and a line here. */
export const BUILTIN_SUITES: readonly BuiltinSuite[] = [smokeSuite, nightlySuite];

export type { BuiltinSuite };
