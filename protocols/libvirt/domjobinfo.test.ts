import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDomJobInfo } from './domjobinfo.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

describe('parseDomJobInfo (virsh domjobinfo --completed, captured from libvirt 9.0.0)', () => {
  it('reads the downtime and elapsed time of an incoming live migration on the target', () => {
    expect(parseDomJobInfo(fixture('virsh-domjobinfo-completed-incoming.txt'))).toEqual({
      jobType: 'Completed',
      operation: 'Incoming migration',
      elapsedMs: 3174,
      downtimeMs: 152,
    });
  });

  it('reads "Job type: None" (the statistics were already read without --keep-completed) as no downtime', () => {
    expect(parseDomJobInfo('Job type:         None        \n\n')).toEqual({
      jobType: 'None',
      operation: undefined,
      elapsedMs: undefined,
      downtimeMs: undefined,
    });
  });

  it('refuses output without a job type, and a downtime that is not in ms, saying which line', () => {
    expect(() => parseDomJobInfo("error: failed to get domain 'vm1'\n")).toThrow(/no "Job type:" line/);
    expect(() => parseDomJobInfo('Job type: Completed\nTotal downtime: soon\n')).toThrow(
      /"Total downtime: soon" is not a number of ms/,
    );
  });
});
