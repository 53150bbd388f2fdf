import { relative, sep } from 'node:path';
import type { SuiteResult } from '../../suites/result.js';
import type { TimelineEvent, Verdict } from '../../suites/verdicts/verdict.js';
import type { CertLine, LineStatus, Section } from '../certification.js';

/** Timeline records quoted in a line's evidence, at most; the whole timeline is in the folder. */
const EXCERPT_LINES = 8;
const EXCERPT_CHARS = 400;

const WORST: readonly LineStatus[] = ['fail', 'inconclusive', 'pass'];

/** A step's name as a requirement id part: "live migration of an HA VM" -> "live-migration-of-an-ha-vm". */
export function stepSlug(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

function excerpt(events: readonly TimelineEvent[], lines: readonly number[]): string {
  return lines
    .slice(0, EXCERPT_LINES)
    .map((n) => {
      const json = JSON.stringify(events[n - 1]?.record ?? null);
      return `${n}: ${json.length > EXCERPT_CHARS ? `${json.slice(0, EXCERPT_CHARS)}...` : json}`;
    })
    .join('\n');
}

const ms = (v: number | undefined) =>
  v === undefined ? undefined : v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v)} ms`;

/**
 * One line per (step, expectation) of a suite run (pure): the verdicts of
 * every repeat and subject joined, the worst status kept; measured and
 * target from the verdicts, the evidence the timeline lines they used,
 * quoted, and the timeline file itself. A step that did not run to its end
 * keeps its error in the message.
 */
export function suiteVerdictLines(
  result: SuiteResult,
  events: readonly TimelineEvent[],
  o: {
    section: Section;
    /** Absolute certification folder: evidence files are relative to it. */
    outDir: string;
    idOf(stepName: string, expectation: string): string;
    titleOf(stepName: string, expectation: string): string;
  },
): CertLine[] {
  const timeline = relative(o.outDir, result.timeline).split(sep).join('/');
  const groups = new Map<
    string,
    { step: string; expectation: string; verdicts: Verdict[]; errors: string[] }
  >();
  for (const s of result.steps) {
    for (const v of s.verdicts) {
      const id = o.idOf(s.name, v.expectation);
      const g = groups.get(id) ?? { step: s.name, expectation: v.expectation, verdicts: [], errors: [] };
      g.verdicts.push(v);
      if (s.error && !g.errors.includes(s.error)) g.errors.push(s.error);
      groups.set(id, g);
    }
  }
  return [...groups].map(([id, g]) => {
    const status = WORST.find((w) => g.verdicts.some((v) => v.status === w)) ?? 'inconclusive';
    // Lines joining several expectations (a migration's downtime and its duration) name each value.
    const several = new Set(g.verdicts.map((v) => v.expectation)).size > 1;
    const measured = g.verdicts
      .map((v) =>
        v.measuredMs !== undefined
          ? `${several ? `${v.expectation} ` : ''}${v.subject} ${ms(v.measuredMs)}`
          : undefined,
      )
      .filter(Boolean)
      .join(', ');
    const targets = [
      ...new Set(
        g.verdicts
          .filter((v) => v.targetMs !== undefined)
          .map((v) => `${several ? `${v.expectation} ` : ''}${ms(v.targetMs)}`),
      ),
    ];
    const used = [...new Set(g.verdicts.flatMap((v) => v.evidence))].sort((a, b) => a - b);
    const line: CertLine = {
      id,
      section: o.section,
      title: o.titleOf(g.step, g.expectation),
      status,
      message: [
        ...g.verdicts.map((v) => `${v.subject}: ${v.status}, ${v.reason}`),
        ...g.errors.map((e) => `step error: ${e}`),
      ].join('; '),
      evidence: [
        ...(used.length
          ? [
              {
                label: `timeline lines ${used.slice(0, EXCERPT_LINES).join(', ')}${used.length > EXCERPT_LINES ? ', ...' : ''}`,
                file: timeline,
                text: excerpt(events, used),
              },
            ]
          : [{ label: 'the run timeline', file: timeline }]),
      ],
    };
    if (measured) line.measured = measured;
    if (targets.length) line.target = `at most ${targets.join(' / ')}`;
    return line;
  });
}
