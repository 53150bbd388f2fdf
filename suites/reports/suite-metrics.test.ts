import { describe, expect, it } from 'vitest';
import { syntheticRun } from '../../test/support/suite-result-fixture.js';
import { pushGroupUrl } from './pushgateway.js';
import { suiteRegistry } from './suite-metrics.js';

describe('suite metrics for the Pushgateway', () => {
  it('exposes exactly the five metric names the alert rules use', async () => {
    const text = await suiteRegistry(syntheticRun({ repeats: 2 }).result).metrics();
    const names = new Set([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => `${m[1]} ${m[2]}`));
    expect([...names].sort()).toEqual([
      'havoc_suite_duration_seconds gauge',
      'havoc_suite_expectation_verdict gauge',
      'havoc_suite_last_run_timestamp_seconds gauge',
      'havoc_suite_measured_seconds gauge',
      'havoc_suite_outcome gauge',
    ]);
    // One verdict series per expectation (its worst over the repeats), four outcome series.
    expect(text.match(/^havoc_suite_expectation_verdict\{/gm)).toHaveLength(6);
    expect(text).toMatch(
      /^havoc_suite_expectation_verdict\{suite="smoke",step="power off the host running vm2",expectation="restartedWithin",subject="vm2",verdict="fail"\} 1$/m,
    );
    expect(text.match(/^havoc_suite_outcome\{/gm)).toHaveLength(4);
    expect(text).toMatch(/^havoc_suite_outcome\{suite="smoke",outcome="fail"\} 1$/m);
  });

  it('escapes label values from user files in the exposition', async () => {
    const run = syntheticRun({ repeats: 1, names: { suite: 'a"b\\c\nd', vm2: 'vm"2' } });
    const text = await suiteRegistry(run.result).metrics();
    expect(text).toContain('havoc_suite_duration_seconds{suite="a\\"b\\\\c\\nd"}');
    expect(text).toContain('subject="vm\\"2"');
  });

  it('builds the group URL: job havoc_suite, the suite by name, base64 when it holds a slash', () => {
    expect(pushGroupUrl('http://pg:9091', 'smoke').href).toBe(
      'http://pg:9091/metrics/job/havoc_suite/suite/smoke',
    );
    expect(pushGroupUrl('http://pg:9091/prefix/', 'night ly').href).toBe(
      'http://pg:9091/prefix/metrics/job/havoc_suite/suite/night%20ly',
    );
    expect(pushGroupUrl('http://pg:9091', 'a/b').href).toBe(
      `http://pg:9091/metrics/job/havoc_suite/suite@base64/${Buffer.from('a/b').toString('base64url')}`,
    );
  });

  it('refuses a URL that is not one, saying what it was', () => {
    expect(() => pushGroupUrl('pg:9091x', 'smoke')).toThrow(
      /invalid Pushgateway URL "pg:9091x"|not http or https/,
    );
    expect(() => pushGroupUrl('not a url', 'smoke')).toThrow('invalid Pushgateway URL "not a url"');
    expect(() => pushGroupUrl('ftp://user:secret@pg/', 'smoke')).toThrow(
      'invalid Pushgateway URL ftp://pg/: not http or https',
    );
  });
});
