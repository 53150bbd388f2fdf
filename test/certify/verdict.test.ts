import { describe, expect, it } from 'vitest';
import type { CertLine, LineStatus } from '../../certify/certification.js';
import { decideVerdict } from '../../certify/verdict.js';
import { applyWaivers } from '../../certify/waivers.js';
import { certLine, waiver } from './cert-line.js';

const TODAY = new Date('2026-12-01T12:00:00Z');

/** Lines judged with waivers the way the run does it: applyWaivers, then decideVerdict. */
function judge(lines: CertLine[], waivers = [] as ReturnType<typeof waiver>[]) {
  return decideVerdict(applyWaivers(lines, waivers, TODAY).lines);
}

const NEEDS_WAIVER: LineStatus[] = ['warning', 'fail', 'error', 'inconclusive'];

describe('decideVerdict', () => {
  it('GO, exit 0, when every line passes or is not applicable', () => {
    const d = judge([certLine('live.a', 'pass'), certLine('live.b', 'not-applicable')]);
    expect(d).toEqual({
      verdict: 'GO',
      reasons: ['all 2 line(s) pass or are not applicable, none waived'],
      exitCode: 0,
    });
  });

  it('a certification without lines judged nothing: NO-GO, exit 5, never GO', () => {
    expect(decideVerdict([])).toMatchObject({ verdict: 'NO-GO', exitCode: 5 });
  });

  it('a fail without waiver: NO-GO, exit 1, the reason names the line and what was seen', () => {
    const d = judge([
      certLine('live.a', 'pass'),
      certLine('fence.host2.level1', 'fail', 'host2 still on after 60 s'),
    ]);
    expect(d).toEqual({
      verdict: 'NO-GO',
      reasons: ['fence.host2.level1: fail (host2 still on after 60 s)'],
      exitCode: 1,
    });
  });

  it('a warning blocks like a fail (a deviation is accepted only by a waiver): NO-GO, exit 1', () => {
    const d = judge([certLine('live.corosync.token', 'warning', 'token 3000 ms, expected 5000 ms')]);
    expect(d).toEqual({
      verdict: 'NO-GO',
      reasons: ['live.corosync.token: warning (token 3000 ms, expected 5000 ms)'],
      exitCode: 1,
    });
  });

  it.each(['error', 'inconclusive'] as const)('%s without waiver is never GO: NO-GO, exit 5', (status) => {
    const d = judge([
      certLine('live.a', 'pass'),
      certLine('suite.nightly.1.restart', status, 'no probe samples'),
    ]);
    expect(d).toEqual({
      verdict: 'NO-GO',
      reasons: [`suite.nightly.1.restart: ${status} (no probe samples)`],
      exitCode: 5,
    });
  });

  it('NO-GO from a fail and an inconclusive line together exits 1 and names both, in line order', () => {
    const d = judge([
      certLine('fence.host1.level1', 'inconclusive', 'not run: --destructive not given'),
      certLine('live.b', 'fail', 'stonith disabled'),
    ]);
    expect(d.exitCode).toBe(1);
    expect(d.reasons).toEqual([
      'fence.host1.level1: inconclusive (not run: --destructive not given)',
      'live.b: fail (stonith disabled)',
    ]);
  });

  it.each(NEEDS_WAIVER)(
    'an applied waiver turns a %s line into GO WITH WAIVERS, exit 0, naming who and until when',
    (status) => {
      const d = judge(
        [certLine('live.a', 'pass'), certLine('live.b', status, 'seen')],
        [waiver('live.b', '2027-03-31')],
      );
      expect(d).toEqual({
        verdict: 'GO WITH WAIVERS',
        reasons: [
          `live.b: ${status} (seen), waived until 2027-03-31 by Jane Doe <jane@example.com>: accepted for live.b`,
        ],
        exitCode: 0,
      });
    },
  );

  it('an expired waiver does not count: the line blocks and the reason says when the waiver expired and whose it was', () => {
    const d = judge(
      [certLine('live.corosync.token', 'warning')],
      [waiver('live.corosync.token', '2026-11-30')],
    );
    expect(d).toEqual({
      verdict: 'NO-GO',
      reasons: [
        'live.corosync.token: warning, waiver expired on 2026-11-30 (by Jane Doe <jane@example.com>, waivers.yaml:19:5)',
      ],
      exitCode: 1,
    });
  });

  it('an expired waiver on an inconclusive line: NO-GO, exit 5', () => {
    const d = judge(
      [certLine('fence.host1.level1', 'inconclusive')],
      [waiver('fence.host1.level1', '2026-01-01')],
    );
    expect(d).toMatchObject({ verdict: 'NO-GO', exitCode: 5 });
    expect(d.reasons[0]).toContain('waiver expired on 2026-01-01');
  });

  it('a waiver on a passing line changes nothing: still GO, and not reported as unused', () => {
    const lines = [certLine('live.a', 'pass')];
    const waivers = [waiver('live.a', '2027-01-01')];
    const applied = applyWaivers(lines, waivers, TODAY);
    expect(applied.problems).toEqual([]);
    expect(decideVerdict(applied.lines)).toEqual(decideVerdict(lines));
    expect(decideVerdict(applied.lines).verdict).toBe('GO');
  });

  it('a * waiver covers every line of its prefix: GO WITH WAIVERS with each waived line named', () => {
    const lines = [
      certLine('fence.host1.level1', 'inconclusive', 'not run: --destructive not given'),
      certLine('fence.host2.level1', 'inconclusive', 'not run: --destructive not given'),
      certLine('live.a', 'pass'),
    ];
    const d = judge(lines, [waiver('fence.*', '2027-01-01')]);
    expect(d.verdict).toBe('GO WITH WAIVERS');
    expect(d.exitCode).toBe(0);
    expect(d.reasons).toHaveLength(2);
    expect(d.reasons[0]).toMatch(
      /^fence\.host1\.level1: inconclusive \(not run: --destructive not given\), waived until 2027-01-01 by /,
    );
  });

  it('a * waiver that does not reach every blocking line leaves NO-GO, naming only the unwaived one', () => {
    const d = judge(
      [certLine('fence.host1.level1', 'fail', 'x'), certLine('fence.host2.level1', 'fail', 'y')],
      [waiver('fence.host1.*', '2027-01-01')],
    );
    expect(d).toEqual({ verdict: 'NO-GO', reasons: ['fence.host2.level1: fail (y)'], exitCode: 1 });
  });

  it('an exact expired waiver beats an applied * waiver on the same line: it blocks', () => {
    const d = judge(
      [certLine('live.corosync.token', 'warning')],
      [waiver('live.*', '2027-01-01'), waiver('live.corosync.token', '2026-06-30')],
    );
    expect(d.verdict).toBe('NO-GO');
    expect(d.reasons[0]).toContain('waiver expired on 2026-06-30');
  });

  it('the exit code of NO-GO follows only the blocking lines: a waived fail with a blocking error exits 5', () => {
    const d = judge(
      [certLine('live.a', 'fail'), certLine('live.b', 'error', 'host2 did not answer SSH')],
      [waiver('live.a', '2027-01-01')],
    );
    expect(d).toEqual({
      verdict: 'NO-GO',
      reasons: ['live.b: error (host2 did not answer SSH)'],
      exitCode: 5,
    });
  });
});
