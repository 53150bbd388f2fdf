import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyWaivers, isRealDate, loadWaivers, parseWaivers } from '../../certify/waivers.js';
import { HavocError } from '../../core/errors.js';
import { YamlFileError } from '../../inventory/issues.js';
import { tempDir } from '../support/temp-dir.js';
import { certLine, waiver } from './cert-line.js';

const GOOD = `# waivers for the lab
waivers:
  - id: live.corosync.token
    reason: the lab's short token is deliberate (fast tests)
    by: Jane Doe <jane@example.com>
    expires: 2027-03-31
  - id: live.corosync.links*
    reason: one link in the lab
    by: Max Mustermann
    expires: "2026-12-31"
`;

function problems(text: string): string[] {
  try {
    parseWaivers('w.yaml', text);
  } catch (err) {
    expect(err).toBeInstanceOf(YamlFileError);
    const e = err as YamlFileError;
    expect(e.code).toBe('waivers');
    return e.message.split('\n').slice(1);
  }
  throw new Error('parseWaivers accepted the file');
}

describe('parseWaivers', () => {
  it('reads every waiver with its id, reason, who, expiry and the file:line:column it was written at', () => {
    expect(parseWaivers('w.yaml', GOOD)).toEqual([
      {
        id: 'live.corosync.token',
        reason: "the lab's short token is deliberate (fast tests)",
        by: 'Jane Doe <jane@example.com>',
        expires: '2027-03-31',
        source: 'w.yaml:3:5',
      },
      {
        id: 'live.corosync.links*',
        reason: 'one link in the lab',
        by: 'Max Mustermann',
        expires: '2026-12-31',
        source: 'w.yaml:7:5',
      },
    ]);
  });

  it('accepts an empty list', () => {
    expect(parseWaivers('w.yaml', 'waivers: []\n')).toEqual([]);
  });

  it('refuses an unknown key at its line and column, with its YAML path', () => {
    const p = problems(GOOD.replace('    by: Max', '    approver: x\n    by: Max'));
    expect(p).toEqual([
      '  w.yaml:9:5: waivers[1].approver: unknown key "approver"; expected one of the keys this object takes (a typo?)',
    ]);
  });

  it('refuses an unknown top-level key', () => {
    expect(problems(`${GOOD}extra: 1\n`)).toEqual([
      '  w.yaml:11:1: extra: unknown key "extra"; expected one of the keys this object takes (a typo?)',
    ]);
  });

  it('refuses a date that does not exist, and one that is not YYYY-MM-DD, naming each', () => {
    const p = problems(GOOD.replace('2027-03-31', '2027-02-30').replace('"2026-12-31"', '31.12.2026'));
    expect(p).toHaveLength(2);
    expect(p[0]).toMatch(/^ {2}w\.yaml:6:14: waivers\[0\]\.expires: is not a real date YYYY-MM-DD/);
    expect(p[0]).toContain('found the string "2027-02-30"');
    expect(p[1]).toMatch(/^ {2}w\.yaml:10:14: waivers\[1\]\.expires: is not a real date YYYY-MM-DD/);
  });

  it('refuses an empty reason and an empty by', () => {
    const p = problems(
      GOOD.replace("reason: the lab's short token is deliberate (fast tests)", 'reason: "  "').replace(
        'by: Max Mustermann',
        "by: ''",
      ),
    );
    expect(p).toHaveLength(2);
    expect(p[0]).toMatch(
      /w\.yaml:4:13: waivers\[0\]\.reason: is not a reason: why the deviation is accepted \(it is empty\)/,
    );
    expect(p[1]).toMatch(/w\.yaml:9:9: waivers\[1\]\.by: is not who accepted it/);
  });

  it('refuses a missing expiry', () => {
    const p = problems(GOOD.replace('    expires: 2027-03-31\n', ''));
    expect(p).toEqual(['  w.yaml:3:5: waivers[0].expires: is required but missing; expected string']);
  });

  it('refuses a duplicate id, pointing at the second and naming the first', () => {
    const p = problems(GOOD.replace('live.corosync.links*', 'live.corosync.token'));
    expect(p).toEqual([
      '  w.yaml:7:9: waivers[1].id: duplicate waiver id "live.corosync.token"; expected one waiver per id (the first is waivers[0], line 3)',
    ]);
  });

  it('refuses a * alone, a * inside an id, and an id with spaces', () => {
    for (const id of ['"*"', 'live.*.token', 'live corosync']) {
      const p = problems(GOOD.replace('id: live.corosync.token', `id: ${id}`));
      expect(p).toHaveLength(1);
      expect(p[0]).toMatch(/w\.yaml:3:9: waivers\[0\]\.id: is not a line id/);
    }
  });

  it('reports YAML syntax errors with their position', () => {
    const p = problems('waivers:\n  - id: [unclosed\n');
    expect(p[0]).toMatch(/^ {2}w\.yaml:\d+:\d+: \(yaml syntax\): /);
  });

  it('loadWaivers: an unreadable file is a clear error naming it', () => {
    const file = join(tempDir('havoc-waivers-'), 'nope.yaml');
    expect(() => loadWaivers(file)).toThrow(HavocError);
    expect(() => loadWaivers(file)).toThrow(`cannot read waivers file ${file}: no such file`);
  });

  it('loadWaivers reads a file from disk', () => {
    const file = join(tempDir('havoc-waivers-'), 'waivers.yaml');
    writeFileSync(file, GOOD);
    expect(loadWaivers(file).map((w) => [w.id, w.source])).toEqual([
      ['live.corosync.token', `${file}:3:5`],
      ['live.corosync.links*', `${file}:7:5`],
    ]);
  });
});

describe('isRealDate', () => {
  it('knows leap years and month lengths', () => {
    expect(isRealDate('2028-02-29')).toBe(true);
    expect(isRealDate('2027-02-29')).toBe(false);
    expect(isRealDate('2027-04-31')).toBe(false);
    expect(isRealDate('2027-13-01')).toBe(false);
    expect(isRealDate('2027-1-01')).toBe(false);
    expect(isRealDate('2027-12-31')).toBe(true);
  });
});

const TODAY = new Date('2026-12-01T23:59:00Z');

describe('applyWaivers', () => {
  it('applies a waiver on its expiry day (inclusive, UTC) and marks it expired the day after', () => {
    const lines = [certLine('live.a', 'warning'), certLine('live.b', 'warning')];
    const r = applyWaivers(lines, [waiver('live.a', '2026-12-01'), waiver('live.b', '2026-11-30')], TODAY);
    expect(r.lines[0]!.waiver?.state).toBe('applied');
    expect(r.lines[1]!.waiver?.state).toBe('expired');
    expect(r.lines[1]!.waiver?.expires).toBe('2026-11-30');
    expect(r.problems).toEqual([
      'waiver live.b (waivers.yaml:6:5, by Jane Doe <jane@example.com>) expired on 2026-11-30',
    ]);
  });

  it('takes the day in UTC, not local time: 2026-12-02T00:30Z is past a waiver expiring 2026-12-01', () => {
    const r = applyWaivers(
      [certLine('live.a', 'fail')],
      [waiver('live.a', '2026-12-01')],
      new Date('2026-12-02T00:30:00Z'),
    );
    expect(r.lines[0]!.waiver?.state).toBe('expired');
  });

  it('a trailing * waives every line whose id starts with the rest, and only those', () => {
    const lines = [
      certLine('fence.host2.level1', 'fail'),
      certLine('fence.host2.level2', 'error'),
      certLine('fence.host1.level1', 'fail'),
    ];
    const r = applyWaivers(lines, [waiver('fence.host2.*', '2027-01-01')], TODAY);
    expect(r.lines.map((l) => l.waiver?.id)).toEqual(['fence.host2.*', 'fence.host2.*', undefined]);
    expect(r.problems).toEqual([]);
  });

  it('the most specific waiver wins: the exact id over a prefix, a longer prefix over a shorter one', () => {
    const lines = [
      certLine('live.corosync.token', 'warning'),
      certLine('live.corosync.links', 'warning'),
      certLine('live.time.synchronised', 'warning'),
    ];
    const r = applyWaivers(
      lines,
      [
        waiver('live.*', '2027-01-01'),
        waiver('live.corosync.*', '2027-01-01'),
        waiver('live.corosync.token', '2026-11-01'),
      ],
      TODAY,
    );
    expect(r.lines.map((l) => [l.waiver?.id, l.waiver?.state])).toEqual([
      ['live.corosync.token', 'expired'],
      ['live.corosync.*', 'applied'],
      ['live.*', 'applied'],
    ]);
  });

  it('a waiver on a passing or not-applicable line leaves it as it is and is not reported as naming no line', () => {
    const lines = [certLine('live.a', 'pass'), certLine('live.b', 'not-applicable')];
    const r = applyWaivers(lines, [waiver('live.a', '2027-01-01'), waiver('live.b', '2027-01-01')], TODAY);
    expect(r.lines).toEqual(lines);
    expect(r.problems).toEqual([]);
  });

  it('reports a waiver that names no line (exact or prefix) as a likely typo', () => {
    const r = applyWaivers(
      [certLine('live.corosync.token', 'warning')],
      [waiver('live.corosync.tokn', '2027-01-01'), waiver('fence.*', '2027-01-01')],
      TODAY,
    );
    expect(r.problems).toEqual([
      'waiver live.corosync.tokn (waivers.yaml:18:5, by Jane Doe <jane@example.com>) names no line of this certification: a typo, or a check that no longer exists?',
      'waiver fence.* (waivers.yaml:7:5, by Jane Doe <jane@example.com>) names no line of this certification (no line id starts with that prefix): a typo, or a check that no longer exists?',
    ]);
    expect(r.lines[0]!.waiver).toBeUndefined();
  });

  it('does not change the lines it is given, and drops a waiver a line carried from before', () => {
    const old = {
      ...certLine('live.a', 'warning'),
      waiver: { ...waiver('live.a', '2027-01-01'), state: 'applied' as const },
    };
    const r = applyWaivers([old], [], TODAY);
    expect(r.lines[0]!.waiver).toBeUndefined();
    expect(old.waiver.state).toBe('applied');
  });
});
