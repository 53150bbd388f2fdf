import { z } from 'zod';
import { readInputFile } from '../core/read-input-file.js';
import { type InventoryIssue, YamlFileError } from '../inventory/issues.js';
import { formatPath, positionOf } from '../inventory/yaml-source.js';
import { parseValidatedYaml } from '../inventory/yaml-validate.js';
import type { AppliedWaiver, CertLine, Waiver } from './certification.js';

/*
 * The waivers file: a named person accepting one deviation, with a reason and
 * a last day. Read with the inventory's located-YAML loader, so every problem
 * says file:line:column and the YAML path.
 */

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A calendar date that exists (2027-02-30 does not). */
export function isRealDate(text: string): boolean {
  const m = DATE.exec(text);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = new Date(Date.UTC(y, mo - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d;
}

const nonEmpty = (what: string) =>
  z.string().refine((s) => s.trim().length > 0, { message: `${what} (it is empty)` });

const waiverSchema = z.strictObject({
  id: z.string().refine((s) => /^[^*\s]+\*?$/.test(s), {
    message:
      'a line id (live.corosync.token), or a prefix ending in a single * (fence.host2.*); no spaces, * only at the end, not * alone',
  }),
  reason: nonEmpty('a reason: why the deviation is accepted'),
  by: nonEmpty('who accepted it, e.g. "Jane Doe <jane@example.com>"'),
  expires: z.string().refine(isRealDate, { message: 'a real date YYYY-MM-DD (the last day it holds, UTC)' }),
});

const waiversFileSchema = z.strictObject({ waivers: z.array(waiverSchema) });

/** Parses waivers text; every problem (syntax, keys, types, dates, duplicate ids) in one YamlFileError('waivers'). */
export function parseWaivers(file: string, text: string): Waiver[] {
  const fail = (issues: InventoryIssue[]) => new YamlFileError('waivers', file, issues);
  const { source, data } = parseValidatedYaml(file, text, waiversFileSchema, fail);
  const issues: InventoryIssue[] = [];
  const firstIndex = new Map<string, number>();
  const waivers = data.waivers.map((w, i): Waiver => {
    const pos = positionOf(source, ['waivers', i]);
    const first = firstIndex.get(w.id);
    if (first === undefined) firstIndex.set(w.id, i);
    else {
      const firstPos = positionOf(source, ['waivers', first, 'id']);
      issues.push({
        path: formatPath(['waivers', i, 'id']),
        ...positionOf(source, ['waivers', i, 'id']),
        message: `duplicate waiver id "${w.id}"`,
        expected: `one waiver per id (the first is waivers[${first}]${firstPos ? `, line ${firstPos.line}` : ''})`,
      });
    }
    return {
      id: w.id,
      reason: w.reason.trim(),
      by: w.by.trim(),
      expires: w.expires,
      source: pos ? `${file}:${pos.line}:${pos.column}` : file,
    };
  });
  if (issues.length) throw fail(issues);
  return waivers;
}

/** Reads and validates a waivers file. */
export function loadWaivers(file: string): Waiver[] {
  const text = readInputFile(file, {
    code: 'waivers',
    what: 'waivers file',
    hint: 'give --waivers a YAML file with a top-level "waivers:" list',
  });
  return parseWaivers(file, text);
}

/** The UTC calendar day of a moment, as YYYY-MM-DD. */
export function utcDay(moment: Date): string {
  return moment.toISOString().slice(0, 10);
}

function matches(waiverId: string, lineId: string): boolean {
  return waiverId.endsWith('*') ? lineId.startsWith(waiverId.slice(0, -1)) : waiverId === lineId;
}

/** Exact ids beat prefixes; a longer prefix beats a shorter one. */
function specificity(waiverId: string): number {
  return waiverId.endsWith('*') ? waiverId.length - 1 : Number.POSITIVE_INFINITY;
}

/** Lines that are fine on their own; a waiver that names them changes nothing. */
export function needsWaiver(line: CertLine): boolean {
  return line.status !== 'pass' && line.status !== 'not-applicable';
}

export function describeWaiver(w: Waiver): string {
  return `${w.id} (${w.source}, by ${w.by})`;
}

/**
 * Attaches to each line that needs one the most specific waiver naming it,
 * applied or expired (past its `expires` day at `today`, UTC); lines that
 * pass keep no waiver. Returns new lines (the input is not changed) and the
 * waiver problems as sentences: waivers that name no line (likely a typo),
 * and waivers past their date.
 */
export function applyWaivers(
  lines: readonly CertLine[],
  waivers: readonly Waiver[],
  today: Date,
): { lines: CertLine[]; problems: string[] } {
  const day = utcDay(today);
  const named = new Set<Waiver>();
  const out = lines.map((line): CertLine => {
    const { waiver: _previous, ...bare } = line;
    let best: Waiver | undefined;
    for (const w of waivers) {
      if (!matches(w.id, line.id)) continue;
      named.add(w);
      if (!best || specificity(w.id) > specificity(best.id)) best = w;
    }
    if (!best || !needsWaiver(line)) return bare;
    const applied: AppliedWaiver = { ...best, state: best.expires < day ? 'expired' : 'applied' };
    return { ...bare, waiver: applied };
  });
  const problems: string[] = [];
  for (const w of waivers) {
    if (!named.has(w))
      problems.push(
        `waiver ${describeWaiver(w)} names no line of this certification${w.id.endsWith('*') ? ' (no line id starts with that prefix)' : ''}: a typo, or a check that no longer exists?`,
      );
    if (w.expires < day) problems.push(`waiver ${describeWaiver(w)} expired on ${w.expires}`);
  }
  return { lines: out, problems };
}
