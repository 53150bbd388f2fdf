import type { CertLine, Section } from '../certification.js';
import { SECTION_TITLES } from '../certification.js';

/*
 * What the report shows for a line: its status, or "waived" when a waiver
 * that has not expired names a line that is neither pass nor n.a. (the
 * verdict rule of certify/verdict.ts; an expired waiver leaves the line as
 * it was, blocking). One place, so the cover's picture and the section
 * tables cannot disagree.
 */

export type ShownStatus =
  | 'pass'
  | 'warning'
  | 'fail'
  | 'error'
  | 'inconclusive'
  | 'waived'
  | 'not-applicable';

/** The picture's order, with a letter and a word that survive a black and white print. */
export const SHOWN_STATUSES: readonly { status: ShownStatus; letter: string; word: string }[] = [
  { status: 'pass', letter: 'P', word: 'pass' },
  { status: 'warning', letter: 'W', word: 'warning' },
  { status: 'fail', letter: 'F', word: 'fail' },
  { status: 'error', letter: 'E', word: 'error' },
  { status: 'inconclusive', letter: 'I', word: 'inconclusive' },
  { status: 'waived', letter: 'V', word: 'waived' },
  { status: 'not-applicable', letter: 'N', word: 'n.a.' },
];

export function shownStatus(line: CertLine): ShownStatus {
  if (line.status === 'pass' || line.status === 'not-applicable') return line.status;
  return line.waiver?.state === 'applied' ? 'waived' : line.status;
}

/** A line the verdict counts against GO: neither fine nor waived. */
export function isBlocking(line: CertLine): boolean {
  const s = shownStatus(line);
  return s !== 'pass' && s !== 'not-applicable' && s !== 'waived';
}

export interface SectionPart {
  /** A Section, or 'other' for lines whose section the report does not know (a newer certification.json). */
  section: Section | 'other';
  title: string;
  lines: CertLine[];
  counts: Record<ShownStatus, number>;
}

function zeroCounts(): Record<ShownStatus, number> {
  return { pass: 0, warning: 0, fail: 0, error: 0, inconclusive: 0, waived: 0, 'not-applicable': 0 };
}

/** Lines grouped per section in SECTION_TITLES order (every section, even empty), then any unknown ones. */
export function sectionParts(lines: readonly CertLine[]): SectionPart[] {
  const parts: SectionPart[] = (Object.keys(SECTION_TITLES) as Section[]).map((section) => ({
    section,
    title: SECTION_TITLES[section],
    lines: [],
    counts: zeroCounts(),
  }));
  const other: SectionPart = { section: 'other', title: 'Other lines', lines: [], counts: zeroCounts() };
  for (const line of lines) {
    const part = parts.find((p) => p.section === line.section) ?? other;
    part.lines.push(line);
    part.counts[shownStatus(line)]++;
  }
  return other.lines.length > 0 ? [...parts, other] : parts;
}
