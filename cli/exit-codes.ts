/** Exit codes CI systems can rely on; documented in the README. */
export const EXIT = {
  ok: 0,
  /** The command ran and its result is negative: findings, a failed fence, a port still up. */
  failed: 1,
  /** Bad command line: unknown command or option, missing argument. */
  usage: 2,
  /** The inventory (or another input file) is invalid or unreadable. */
  badInput: 3,
  /** The machine lacks something: not root, a missing program or package. */
  environment: 4,
  /** The command could not tell: evidence it needed was missing (a host not answering, a verdict without evidence). Never a pass. */
  inconclusive: 5,
  /** A suite stopped before its end (steady state missing, Ctrl-C, faults left in the ledger): a partial result. */
  aborted: 6,
  /** A bug in havoc. */
  internal: 70,
} as const;
