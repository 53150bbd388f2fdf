import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { XMLParser } from 'fast-xml-parser';
import junitReportBuilder, { type Builder } from 'junit-report-builder';
import { describe, expect, it } from 'vitest';
import { syntheticRun } from '../../test/support/suite-result-fixture.js';
import { tempDir } from '../../test/support/temp-dir.js';
import { junitXml, writeJunit } from './junit.js';

/*
 * The JUnit file against the schemas Jenkins tools validate with, by the real
 * validator (xmllint, Debian libxml2-utils): the Jenkins xUnit plugin's
 * junit-10.xsd and JUnit 5's jenkins-junit.xsd, vendored under
 * test/fixtures/junit/ with their sources in their headers.
 */

const FIXTURES = fileURLToPath(new URL('../../test/fixtures/junit/', import.meta.url));
const SCHEMAS = ['xunit-plugin-junit-10.xsd', 'jenkins-junit.xsd'];
const XMLLINT = '/usr/bin/xmllint';

function validate(xml: string, schema: string): { ok: boolean; output: string } {
  if (!existsSync(XMLLINT)) throw new Error(`${XMLLINT} not found: install the Debian package libxml2-utils`);
  const file = join(tempDir('havoc-junit-'), 'junit.xml');
  writeFileSync(file, xml);
  const r = spawnSync(XMLLINT, ['--noout', '--schema', join(FIXTURES, schema), file], { encoding: 'utf8' });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}

interface Parsed {
  testsuites: {
    name: string;
    tests: string;
    failures: string;
    errors: string;
    time: string;
    testsuite: {
      name: string;
      time: string;
      timestamp: string;
      tests: string;
      properties?: { property: { name: string; value: string }[] };
      testcase: {
        classname: string;
        name: string;
        time?: string;
        failure?: { message: string; type: string; '#text'?: string };
        error?: { message: string; type: string; '#text'?: string };
        'system-out'?: string;
      }[];
    }[];
  };
}

function parse(xml: string): Parsed {
  return new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    isArray: (name) => ['testsuite', 'testcase', 'property'].includes(name),
  }).parse(xml) as Parsed;
}

describe('JUnit report', () => {
  const { result, events } = syntheticRun({ repeats: 2 });
  result.reports = { html: 'reports/report.html', junit: 'reports/junit.xml', json: 'reports/journal.json' };
  const xml = junitXml(result, events);

  for (const schema of SCHEMAS)
    it(`validates against ${schema} (xmllint --schema)`, () => {
      const r = validate(xml, schema);
      expect(r.output).toContain('validates');
      expect(r.ok, r.output).toBe(true);
    });

  it('the validation can fail: the library left to write its own root is rejected by both schemas (skipped on <testsuites>)', () => {
    const builder = (junitReportBuilder as unknown as Builder).newBuilder();
    builder.testSuite().name('s').testCase().className('c').name('n');
    for (const schema of SCHEMAS) {
      const r = validate(builder.build(), schema);
      expect(r.ok, r.output).toBe(false);
      expect(r.output).toContain("attribute 'skipped': The attribute 'skipped' is not allowed");
    }
  });

  it('has a testsuite per step run and a testcase per verdict, with counts, times and timestamps', () => {
    const p = parse(xml).testsuites;
    expect(p.name).toBe('smoke');
    expect(p.testsuite.map((s) => s.name)).toEqual([
      'smoke 1.1 migrate vm1',
      'smoke 1.2 power off the host running vm2',
      'smoke 2.1 migrate vm1',
      'smoke 2.2 power off the host running vm2',
    ]);
    const verdicts = result.steps.flatMap((s) => s.verdicts);
    expect(Number(p.tests)).toBe(verdicts.length);
    expect(Number(p.failures)).toBe(verdicts.filter((v) => v.status === 'fail').length);
    expect(Number(p.errors)).toBe(verdicts.filter((v) => v.status === 'inconclusive').length);
    expect(Number(p.time)).toBeCloseTo(result.durationMs / 1000, 3);
    const power = p.testsuite[1];
    expect(power?.timestamp).toBe(result.steps[1]?.startWall.replace(/\.\d+Z$/, 'Z'));
    expect(Number(power?.time)).toBe(96);
    expect(power?.properties?.property).toContainEqual({ name: 'havoc.fault', value: 'host-power-off' });
    expect(power?.properties?.property).toContainEqual({
      name: 'havoc.selection.host',
      value: 'the host running vm2 -> host3',
    });
    expect(power?.testcase.map((c) => c.name)).toEqual([
      'fencedWithin(host3) [repeat 1]',
      'restartedWithin(vm2) [repeat 1]',
      'noDoubleRun(vm2) [repeat 1]',
      'alertFiredWithin(HavocNodeOffline) [repeat 1]',
    ]);
    for (const c of power?.testcase ?? []) expect(c.classname).toBe('smoke.power off the host running vm2');
    expect(power?.testcase[0]?.time).toBe('12.5');
    expect(power?.testcase[2]?.time).toBeUndefined();
  });

  it('a fail is a <failure> "measured X ms > target Y ms", an inconclusive an <error>, each with the evidence the verdict used', () => {
    const power = parse(xml).testsuites.testsuite[1];
    const restarted = power?.testcase[1];
    expect(restarted?.failure?.message).toBe(
      'measured 48500 ms > target 30000 ms: vm2 answered on host1 with a new boot id 48.5 s after the injection',
    );
    expect(restarted?.failure?.type).toBe('restartedWithin');
    expect(restarted?.error).toBeUndefined();
    const out = restarted?.['system-out'] ?? '';
    const verdict = result.steps[1]?.verdicts[1];
    for (const line of verdict?.evidence ?? [])
      expect(out).toMatch(new RegExp(`^  L${line} \\+\\d+\\.\\d{3} s `, 'm'));
    expect(out).toContain('probe vm2 failed (connect ECONNREFUSED)');
    expect(out).toContain('HTML report: reports/report.html');
    expect(restarted?.failure?.['#text']).toBe(out);

    const inconclusive = power?.testcase[2];
    expect(inconclusive?.failure).toBeUndefined();
    expect(inconclusive?.error?.type).toBe('inconclusive');
    expect(inconclusive?.error?.message).toMatch(/^inconclusive: Pacemaker could not be read for 2\.0 s/);
    expect(inconclusive?.['system-out']).toContain('pacemaker/reachability cluster reachable=false');

    const passed = power?.testcase[0];
    expect(passed?.failure).toBeUndefined();
    expect(passed?.error).toBeUndefined();
    expect(passed?.['system-out']).toContain('pacemaker/fence fence:host3');
    // Repeat 2 restarted in time: the same expectation passes there.
    expect(parse(xml).testsuites.testsuite[3]?.testcase[1]?.failure).toBeUndefined();
  });

  it('names from user files are escaped, not markup: the file stays valid and reads back as written', () => {
    const hostile = syntheticRun({
      repeats: 1,
      names: {
        suite: 'night.ly <b>&"x"',
        vm2: 'vm2"><img src=x>]]>',
        stepPowerOff: 'power off ]]> <script>alert(1)</script>\u0001',
      },
    });
    const text = junitXml(hostile.result, hostile.events);
    for (const schema of SCHEMAS) {
      const r = validate(text, schema);
      expect(r.ok, r.output).toBe(true);
    }
    const p = parse(text).testsuites;
    expect(p.name).toBe('night.ly <b>&"x"');
    expect(p.testsuite[1]?.name).toBe('night.ly <b>&"x" 1.2 power off ]]> <script>alert(1)</script>');
    expect(p.testsuite[1]?.testcase[1]?.name).toBe('restartedWithin(vm2"><img src=x>]]>)');
    // Jenkins splits a class name at dots into packages: the suite's own dot is not one.
    expect(p.testsuite[1]?.testcase[1]?.classname).toBe(
      'night_ly <b>&"x".power off ]]> <script>alert(1)</script>',
    );
    expect(p.testsuite[1]?.testcase[1]?.['system-out']).toContain('vm2"><img src=x>]] >');
    // Attributes are escaped, not mangled.
    expect(p.testsuite[1]?.testcase[1]?.failure?.message).toContain('vm2"><img src=x>]]> answered on host1');
  });

  it('an aborted run that judged nothing is an error, not an empty green report', () => {
    const aborted = syntheticRun({ repeats: 1 }).result;
    aborted.steps = [];
    aborted.stats = [];
    aborted.outcome = 'aborted';
    aborted.abortReason = 'steady state does not hold: vm2 does not answer its probe';
    const text = junitXml(aborted, []);
    for (const schema of SCHEMAS) expect(validate(text, schema).ok).toBe(true);
    const p = parse(text).testsuites;
    expect(p.tests).toBe('1');
    expect(p.errors).toBe('1');
    expect(p.testsuite[0]?.testcase[0]?.error?.message).toBe(
      'run aborted: steady state does not hold: vm2 does not answer its probe',
    );
    expect(p.testsuite[0]?.testcase[0]?.error?.type).toBe('aborted');
  });

  it('a step that broke off gets an error testcase beside the verdicts it has', () => {
    const run = syntheticRun({ repeats: 1 });
    const step = run.result.steps[1];
    if (!step) throw new Error('fixture has no step 1.2');
    step.error = 'the steady state did not come back within 300 s: host3 offline';
    const p = parse(junitXml(run.result, run.events)).testsuites;
    const cases = p.testsuite[1]?.testcase ?? [];
    expect(cases).toHaveLength(step.verdicts.length + 1);
    expect(cases.at(-1)?.name).toBe('step');
    expect(cases.at(-1)?.error?.message).toBe(step.error);
    expect(Number(p.errors)).toBe(2);
  });

  it('writes the file whole (no temporary file left beside it)', () => {
    const dir = tempDir('havoc-junit-write-');
    const path = join(dir, 'sub', 'junit.xml');
    writeJunit(result, events, path);
    expect(readFileSync(path, 'utf8')).toBe(xml);
    expect(execFileSync('ls', ['-A', join(dir, 'sub')], { encoding: 'utf8' }).trim()).toBe('junit.xml');
  });
});
