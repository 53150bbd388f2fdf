import type { CertLine, Verdict } from './certification.js';
import { needsWaiver } from './waivers.js';

/*
 * The verdict rule (README, Go-live certification): pass and not-applicable
 * are fine; any other status, warning included, is waived only by an applied
 * waiver and blocks otherwise. Any blocking line: NO-GO; else any waived
 * line: GO WITH WAIVERS; else GO. A certification with no line judged nothing
 * and is never GO.
 */

export interface VerdictDecision {
  verdict: Verdict;
  /** The lines that decided it, one sentence each. */
  reasons: string[];
  /** 0 GO and GO WITH WAIVERS, 1 NO-GO with a fail or warning blocking, 5 NO-GO only from error / inconclusive. */
  exitCode: 0 | 1 | 5;
}

function seen(line: CertLine): string {
  return line.message ? ` (${line.message})` : '';
}

function blockingReason(line: CertLine): string {
  const w = line.waiver;
  if (w?.state === 'expired')
    return `${line.id}: ${line.status}, waiver expired on ${w.expires} (by ${w.by}, ${w.source})`;
  return `${line.id}: ${line.status}${seen(line)}`;
}

function waivedReason(line: CertLine): string {
  const w = line.waiver!;
  return `${line.id}: ${line.status}${seen(line)}, waived until ${w.expires} by ${w.by}: ${w.reason}`;
}

export function decideVerdict(lines: readonly CertLine[]): VerdictDecision {
  if (lines.length === 0)
    return {
      verdict: 'NO-GO',
      reasons: ['no line was judged: a certification that checked nothing is not a GO'],
      exitCode: 5,
    };
  const open = lines.filter(needsWaiver);
  const blocking = open.filter((l) => l.waiver?.state !== 'applied');
  if (blocking.length) {
    const deviation = blocking.some((l) => l.status === 'fail' || l.status === 'warning');
    return { verdict: 'NO-GO', reasons: blocking.map(blockingReason), exitCode: deviation ? 1 : 5 };
  }
  if (open.length) return { verdict: 'GO WITH WAIVERS', reasons: open.map(waivedReason), exitCode: 0 };
  return {
    verdict: 'GO',
    reasons: [`all ${lines.length} line(s) pass or are not applicable, none waived`],
    exitCode: 0,
  };
}
