import { deadlineSignal, throwIfAborted } from '../../core/deadline.js';
import { errorMessage, HavocError } from '../../core/errors.js';
import { type CrmMonStatus, parseCrmMonXml } from './crmMon.js';

/*
 * crm_mon of the first cluster node that answers. Who runs the command is the
 * caller's business (SSH for the exporter, nsenter into a lab host for the
 * lab and its tests): this module only tries the nodes in order, under one
 * deadline, parses the XML, and keeps why each node before the answer failed.
 */

// --fence-history=2: every fence, not only failed and pending ones.
export const CRM_MON_ARGV: readonly string[] = [
  'crm_mon',
  '--one-shot',
  '--output-as=xml',
  '--inactive',
  '--fence-history=2',
];

export interface CrmMonRun {
  stdout: string;
  stderr: string;
  /** undefined when the command was killed by a signal. */
  exitCode: number | undefined;
}

/** Runs argv on one node and returns what it printed; a non-zero exit must be returned, not thrown. */
export type CrmMonRunner = (node: string, argv: readonly string[], signal: AbortSignal) => Promise<CrmMonRun>;

export interface CrmMonNodeFailure {
  node: string;
  reason: string;
}

export interface CrmMonReading {
  /** The node whose crm_mon answered. */
  node: string;
  status: CrmMonStatus;
  /** Nodes asked before it, in order, and why each did not answer. */
  failures: CrmMonNodeFailure[];
}

export interface ReadCrmMonOptions {
  /** The one deadline for every node tried; an abort is thrown as it is, not counted as a node failure. */
  signal: AbortSignal;
  /** A node that hangs gives up after this, so the next node still gets a chance within the deadline. */
  perNodeMs?: number;
  /** The next step for the person reading the error when no node answered. */
  hint?: string;
}

export class CrmMonUnavailableError extends HavocError {
  readonly failures: readonly CrmMonNodeFailure[];

  constructor(failures: readonly CrmMonNodeFailure[], hint?: string) {
    super(
      'pacemaker-unreachable',
      failures.length === 0
        ? 'no cluster node to ask crm_mon'
        : `no cluster node answered crm_mon: ${failures.map((f) => `${f.node}: ${f.reason}`).join('; ')}`,
      hint === undefined ? {} : { hint },
    );
    this.name = 'CrmMonUnavailableError';
    this.failures = failures;
  }
}

function lastLine(text: string): string {
  return text.trim().split('\n').at(-1)?.trim() ?? '';
}

/** Why one node's output is not a cluster status, or the status. */
function statusOf(run: CrmMonRun): CrmMonStatus | string {
  const exit = run.exitCode === undefined ? 'was killed' : `exited with ${run.exitCode}`;
  if (!run.stdout.trim()) {
    const why = lastLine(run.stderr);
    return `crm_mon ${exit}${why ? `: ${why}` : ' and printed nothing'}`;
  }
  try {
    // crm_mon exits non-zero when it cannot reach the cluster and still prints an XML result saying why.
    return parseCrmMonXml(run.stdout);
  } catch (err) {
    const why = lastLine(run.stderr);
    return `${errorMessage(err)}${run.exitCode === 0 ? '' : ` (crm_mon ${exit}${why ? `: ${why}` : ''})`}`;
  }
}

export async function readCrmMon(
  nodes: readonly string[],
  run: CrmMonRunner,
  opts: ReadCrmMonOptions,
): Promise<CrmMonReading> {
  const failures: CrmMonNodeFailure[] = [];
  for (const node of nodes) {
    throwIfAborted(opts.signal);
    const signal =
      opts.perNodeMs === undefined
        ? opts.signal
        : deadlineSignal(opts.perNodeMs, `crm_mon on ${node}`, opts.signal);
    try {
      const status = statusOf(await run(node, CRM_MON_ARGV, signal));
      if (typeof status !== 'string') return { node, status, failures };
      failures.push({ node, reason: status });
    } catch (err) {
      if (opts.signal.aborted) throw err;
      failures.push({ node, reason: errorMessage(err) });
    }
  }
  throw new CrmMonUnavailableError(failures, opts.hint);
}
