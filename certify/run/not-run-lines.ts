import type { LoadedInventory } from '../../inventory/load.js';
import type { ParsedSuite } from '../../suites/format/load-suite.js';
import { haVms } from '../../suites/steady-state/check.js';
import type { CertLine, Section } from '../certification.js';
import { fenceLineIds } from './fencing-lines.js';
import { stepSlug } from './suite-lines.js';

export const NOT_DESTRUCTIVE = 'not run: --destructive not given';
export const FINAL_PARTS = ['nodes', 'placement', 'constraints', 'flags', 'ledger'] as const;

/** The id of a suite expectation's line: `suite.<suite>.<step>.<expectation>`. */
export function suiteLineId(suite: string, step: string, expectation: string): string {
  return `suite.${suite}.${stepSlug(step)}.${expectation}`;
}

/**
 * The lines the destructive sections would have, each inconclusive with
 * `why` (pure): the same ids a destructive run gives, so a waiver written
 * for a non-destructive run names exactly what was not done.
 */
export function notRunLines(loaded: LoadedInventory, suite: ParsedSuite, why: string): CertLine[] {
  const line = (id: string, section: Section, title: string): CertLine => ({
    id,
    section,
    title,
    status: 'inconclusive',
    message: why,
    evidence: [],
  });
  return [
    ...fenceLineIds(loaded).map((f) => line(f.id, 'fencing', `${f.host} fenced through level ${f.level}`)),
    ...suite.suite.steps.flatMap((s) =>
      s.expect.map((e) => {
        const expectation = Object.keys(e)[0]!;
        return line(suiteLineId(suite.suite.name, s.name, expectation), 'suite', `${s.name}: ${expectation}`);
      }),
    ),
    ...haVms(loaded.inventory).map((vm) =>
      line(`migrate.${vm.name}`, 'live-migration', `${vm.name} live-migrated within its SLO`),
    ),
    ...FINAL_PARTS.map((p) => line(`final.${p}`, 'final-state', `the cluster left as it was found: ${p}`)),
  ];
}
