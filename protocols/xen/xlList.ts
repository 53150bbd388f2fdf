import { HavocError } from '../../core/errors.js';

/** The six xl state flags in their fixed column order (xl(1) "list"). */
export const XL_STATE_FLAGS = ['running', 'blocked', 'paused', 'shutdown', 'crashed', 'dying'] as const;
export type XlStateFlag = (typeof XL_STATE_FLAGS)[number];
const FLAG_LETTERS = 'rbpscd';

export interface XlDomain {
  name: string;
  id: number;
  memMiB: number;
  vcpus: number;
  /** The raw six-character column, e.g. "--p--d". */
  stateText: string;
  state: Record<XlStateFlag, boolean>;
  timeSeconds: number;
  /** Columns after Time(s) when xl list -v/-Z/-c/-n was used, verbatim. */
  rest: string | undefined;
}

function fail(lineNo: number, line: string, expected: string): never {
  throw new HavocError(
    'xl-parse',
    `xl list line ${lineNo}: expected ${expected}, got ${JSON.stringify(line)}`,
  );
}

const ROW = /^(.+?)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\S{6})\s+(\d+(?:\.\d+)?)(?:\s+(.*?))?\s*$/;

/** Parses `xl list` (tools/xl/xl_info.c list_domains). */
export function parseXlList(text: string): XlDomain[] {
  const lines = text.split(/\r?\n/);
  const headerAt = lines.findIndex((l) => l.trim() !== '');
  const header = lines[headerAt] ?? '';
  if (!/^Name\s+ID\s+Mem\s+VCPUs\s+State\s+Time\(s\)/.test(header.trim())) {
    fail(headerAt + 1, header, 'the header "Name ID Mem VCPUs State Time(s)"');
  }
  const out: XlDomain[] = [];
  for (let i = headerAt + 1; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line.trim() === '') continue;
    const m = ROW.exec(line.trim());
    if (!m) fail(i + 1, line, 'a row "<name> <id> <mem> <vcpus> <state> <time>"');
    const [, name = '', id = '', mem = '', vcpus = '', stateText = '', time = '', rest] = m;
    const state = {} as Record<XlStateFlag, boolean>;
    XL_STATE_FLAGS.forEach((flag, pos) => {
      const c = stateText[pos];
      if (c !== '-' && c !== FLAG_LETTERS[pos]) {
        fail(
          i + 1,
          line,
          `state column letter ${pos + 1} to be "${FLAG_LETTERS[pos]}" or "-" (flags "rbpscd")`,
        );
      }
      state[flag] = c === FLAG_LETTERS[pos];
    });
    out.push({
      name,
      id: Number(id),
      memMiB: Number(mem),
      vcpus: Number(vcpus),
      stateText,
      state,
      timeSeconds: Number(time),
      rest: rest || undefined,
    });
  }
  return out;
}
