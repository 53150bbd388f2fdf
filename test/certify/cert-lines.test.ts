import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../certify/check.js';
import { liveCheckLines } from '../../certify/live-check-lines.js';
import { preflightLines } from '../../certify/preflight-lines.js';
import { PREFLIGHT_CHECKS, runPreflight } from '../../inventory/preflight/index.js';
import { host, inventory, load, vm } from '../inventory/build.js';

describe('preflight findings as certification lines', () => {
  // The secrets the built inventories name, so the secrets check finds nothing.
  const saved = { bmc: process.env.HAVOC_TEST_BMC, community: process.env.HAVOC_TEST_COMMUNITY };
  beforeAll(() => {
    process.env.HAVOC_TEST_BMC = 'bmc-secret-for-tests';
    process.env.HAVOC_TEST_COMMUNITY = 'community-for-tests';
  });
  afterAll(() => {
    for (const [name, value] of [
      ['HAVOC_TEST_BMC', saved.bmc],
      ['HAVOC_TEST_COMMUNITY', saved.community],
    ] as const)
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
  });

  it('a clean inventory gives one pass line per preflight check, so the report lists what was checked', () => {
    const lines = preflightLines(runPreflight(load(inventory({ vms: [vm('web', 'h1', 1024)] }))));
    expect(lines.map((l) => [l.id, l.status])).toEqual(
      PREFLIGHT_CHECKS.map((c) => [`preflight.${c.name}`, 'pass']),
    );
    expect(lines.every((l) => l.section === 'preflight' && l.title !== '')).toBe(true);
  });

  it('an error is a fail and a warning a warning, with the finding id and its objects as the line id', () => {
    const mixed = inventory({
      hosts: [
        host('h1'),
        host('h2', { cpu: { family: 'EPYC', model: '7313' } }),
        host('h3', { cpu: undefined }),
      ],
      vms: [vm('web', 'h1', 1024)],
    });
    const lines = preflightLines(runPreflight(load(mixed)));
    const byId = Object.fromEntries(lines.map((l) => [l.id, l]));
    expect(byId['preflight.cpu.mismatch.host:h1,host:h2,vm:web']?.status).toBe('fail');
    expect(byId['preflight.cpu.mismatch.host:h1,host:h2,vm:web']?.message).toContain('h2 (EPYC 7313)');
    expect(byId['preflight.cpu.undeclared.host:h3']?.status).toBe('warning');
    // The cpu check found something, so it has no pass line; the others do.
    expect(byId['preflight.cpu']).toBeUndefined();
    expect(byId['preflight.mtu']?.status).toBe('pass');
    expect(new Set(lines.map((l) => l.id)).size).toBe(lines.length);
  });

  it('the same finding twice on the same objects is one line (one waiver), keeping both messages', () => {
    const report = runPreflight(load(inventory()));
    const twice = {
      ...report,
      findings: [1, 2].map((n) => ({
        id: 'mtu.interface-too-small',
        severity: 'error' as const,
        message: `eth${n} too small`,
        objects: ['host:h1', 'network:storage'],
        check: 'mtu',
      })),
    };
    const mtu = preflightLines(twice).filter((l) => l.id.startsWith('preflight.mtu'));
    expect(mtu.map((l) => [l.id, l.status, l.message])).toEqual([
      ['preflight.mtu.interface-too-small.host:h1,network:storage', 'fail', 'eth1 too small; eth2 too small'],
    ]);
  });
});

const result = (over: Partial<CheckResult>): CheckResult => ({
  id: 'corosync.token',
  title: 'corosync token timeout is 5000 ms',
  severity: 'warning',
  status: 'passing',
  message: 'holds on host1, host2',
  hosts: { host1: 'token 5000 ms in effect', host2: 'token 5000 ms in effect' },
  trento: ['156F64'],
  remediation: 'set token: 5000',
  why: 'because',
  ...over,
});

describe('live check results as certification lines', () => {
  it('maps each status: critical -> fail, error stays error (never pass, never fail)', () => {
    const statuses = ['passing', 'warning', 'critical', 'error', 'not-applicable'] as const;
    const lines = liveCheckLines(statuses.map((status, i) => result({ id: `c${i}`, status })));
    expect(lines.map((l) => [l.id, l.status])).toEqual([
      ['live.c0', 'pass'],
      ['live.c1', 'warning'],
      ['live.c2', 'fail'],
      ['live.c3', 'error'],
      ['live.c4', 'not-applicable'],
    ]);
    expect(lines.every((l) => l.section === 'live-checks')).toBe(true);
    expect(lines[1]?.remediation).toBe('set token: 5000');
    expect(lines[0]?.remediation).toBeUndefined();
  });

  it('keeps what each host showed as a text evidence, and the Trento ids as references', () => {
    const [line] = liveCheckLines([
      result({
        status: 'error',
        hosts: { host1: 'token 5000 ms in effect', host2: 'error: cmap: timed out' },
      }),
    ]);
    expect(line?.evidence).toEqual([
      { label: 'per host', text: 'host1: token 5000 ms in effect\nhost2: error: cmap: timed out' },
    ]);
    expect(line?.references).toEqual(['Trento 156F64']);
  });
});
