import { describe, expect, it } from 'vitest';
import { pacemakerLostMetadataExit } from '../../certify/checks/pacemaker-lost-metadata-exit.js';
import type { HostFactValues } from '../../certify/facts/fact-values.js';
import type { Inventory } from '../../inventory/schema.js';

const judge = (pacemaker: string) =>
  pacemakerLostMetadataExit.judge(
    { packages: { pacemaker } } as unknown as HostFactValues,
    'host1',
    {} as Inventory,
  );

describe('pacemaker.lost-metadata-exit (ClusterLabs/pacemaker ea77f7818f, in 2.1.5 to 2.1.9)', () => {
  it('warns for the affected versions, as Debian, RHEL and SUSE spell them', () => {
    for (const v of [
      '2.1.5-1+deb12u1',
      '2.1.6-1',
      '2.1.7-5.el9_4',
      '2.1.9',
      '2.1.5+20221208.a3f44794f-150500.6.5.8',
    ])
      expect(judge(v), v).toEqual({ ok: false, detail: `pacemaker ${v} (2.1.5 to 2.1.9)` });
  });

  it('passes the versions before the asynchronous metadata and those with the fix', () => {
    for (const v of ['2.1.4-1', '2.0.5-2', '2.1.10-1', '2.1.11', '3.0.0-1', '1:2.1.10-1'])
      expect(judge(v).ok, v).toBe(true);
  });

  it('says when the version cannot be read or the package is missing, without a verdict on it', () => {
    expect(judge('')).toEqual({ ok: true, detail: 'no pacemaker package' });
    expect(judge('git-snapshot')).toEqual({ ok: true, detail: 'pacemaker git-snapshot: version not read' });
  });
});
