import junitReportBuilder, { type Builder, type TestSuite } from 'junit-report-builder';
import xmlbuilder from 'xmlbuilder';
import type { StepResult, SuiteResult } from '../result.js';
import type { TimelineEvent, Verdict } from '../verdicts/verdict.js';
import { eventsByLine, evidenceLines, runOriginNs } from './describe-event.js';
import { formatMs, verdictMessage } from './format.js';
import { writeReportFile } from './report-file.js';

/*
 * JUnit XML for GitLab (artifacts:reports:junit) and Jenkins (the junit
 * step, and the xunit plugin, which validates against its junit-10.xsd).
 *
 * One <testsuite> per step run (repeat r, step i): a step is the unit that
 * has its own start, duration, fault and targets, so the suite's timestamp,
 * time and properties mean something, and a failed repeat stands apart from
 * the repeats that passed. One <testcase> per verdict (expectation x
 * subject), classname "<suite>.<step name>" so CI history follows the same
 * expectation from night to night; its time is the measured value (Jenkins
 * then charts the restart time per test), absent when nothing was measured.
 * fail -> <failure>, inconclusive -> <error> (could not tell is not failed),
 * and a step that broke off or a run that aborted is an <error> testcase too,
 * so a run that judged nothing never reads as green.
 *
 * The library builds every testsuite and testcase; the root <testsuites> is
 * made with its own XML writer (xmlbuilder) because the library's root
 * always carries a `skipped` attribute, which the xunit plugin's
 * junit-10.xsd and JUnit 5's jenkins-junit.xsd both reject.
 */

// The package's types declare an ES default export over CommonJS `module.exports = builder`;
// under Node's ESM loader the default import is that builder itself.
const junit = junitReportBuilder as unknown as Builder;

/** CDATA (the bodies; attributes are escaped) cannot hold "]]>": xmlbuilder throws on it, and names from user files might. */
function cdataSafe(text: string): string {
  return text.replaceAll(']]>', ']] >');
}

/** "<suite>.<step>": dots inside either would make Jenkins split the class name into packages. */
function className(suite: string, step: string): string {
  return `${suite.replaceAll('.', '_')}.${step.replaceAll('.', '_')}`;
}

function seconds(ms: number): string {
  return (Math.max(0, ms) / 1000).toFixed(3);
}

/** ISO time without milliseconds, the form Ant and surefire write. */
function timestamp(wall: string): string {
  return wall.replace(/\.\d+Z$/, 'Z');
}

interface Context {
  result: SuiteResult;
  byLine: Map<number, TimelineEvent>;
  originNs: bigint;
  htmlPath: string | undefined;
}

function verdictText(ctx: Context, step: StepResult, v: Verdict): string {
  const lines = [
    `${v.expectation} ${v.subject}: ${v.status}`,
    `step ${step.step} "${step.name}": ${step.fault} [${step.targets.join(', ')}]`,
    `reason: ${v.reason}`,
  ];
  if (v.measuredMs !== undefined) lines.push(`measured: ${formatMs(v.measuredMs)}`);
  if (v.targetMs !== undefined) lines.push(`target: ${formatMs(v.targetMs)}`);
  lines.push(`evidence (timeline ${ctx.result.timeline}, line and seconds since the run's start):`);
  if (v.evidence.length === 0) lines.push('  (none)');
  for (const l of evidenceLines(v.evidence, ctx.byLine, ctx.originNs)) lines.push(`  ${l}`);
  if (ctx.htmlPath) lines.push(`HTML report: ${ctx.htmlPath}`);
  return cdataSafe(lines.join('\n'));
}

function repeatOf(step: StepResult): string {
  return step.step.split('.')[0] ?? step.step;
}

function addStep(ctx: Context, suite: TestSuite, step: StepResult): void {
  const { result } = ctx;
  suite
    .name(`${result.suite.name} ${step.step} ${step.name}`)
    .timestamp(timestamp(step.startWall))
    .time(Number(seconds(step.durationMs)))
    .property('havoc.run', result.run)
    .property('havoc.step', step.step)
    .property('havoc.fault', step.fault)
    .property('havoc.targets', step.targets.join(','))
    .property('havoc.params', JSON.stringify(step.params));
  for (const [key, how] of Object.entries(step.selections)) suite.property(`havoc.selection.${key}`, how);
  const cls = className(result.suite.name, step.name);
  const suffix = result.suite.repeat > 1 ? ` [repeat ${repeatOf(step)}]` : '';
  for (const v of step.verdicts) {
    const tc = suite.testCase().className(cls).name(`${v.expectation}(${v.subject})${suffix}`);
    if (v.measuredMs !== undefined) tc.time(Number(seconds(v.measuredMs)));
    const text = verdictText(ctx, step, v);
    // GitLab shows a failure's or error's body as the test's output, Jenkins shows system-out: both get it.
    if (v.status === 'fail') tc.failure(verdictMessage(v), v.expectation).stacktrace(text);
    else if (v.status === 'inconclusive')
      tc.error(`inconclusive: ${verdictMessage(v)}`, 'inconclusive', text);
    tc.standardOutput(text);
  }
  if (step.error !== undefined) {
    const text = cdataSafe(
      [
        `step ${step.step} "${step.name}" did not run to its end: ${step.error}`,
        ctx.htmlPath ? `HTML report: ${ctx.htmlPath}` : '',
      ]
        .filter(Boolean)
        .join('\n'),
    );
    suite
      .testCase()
      .className(cls)
      .name(`step${suffix}`)
      .error(step.error, 'step-error', text)
      .standardOutput(text);
  }
}

/** A run that judged nothing (aborted before its first step, or no step at all) is an error, never an empty green report. */
function addRunProblem(ctx: Context, suite: TestSuite): boolean {
  const { result } = ctx;
  const problem =
    result.abortReason !== undefined
      ? `run aborted: ${result.abortReason}`
      : result.steps.length === 0
        ? 'no step ran'
        : undefined;
  if (problem === undefined) return false;
  const text = cdataSafe(
    [problem, ctx.htmlPath ? `HTML report: ${ctx.htmlPath}` : ''].filter(Boolean).join('\n'),
  );
  suite
    .name(`${result.suite.name} run`)
    .timestamp(timestamp(result.startWall))
    .time(Number(seconds(result.durationMs)))
    .property('havoc.run', result.run)
    .property('havoc.outcome', result.outcome);
  suite
    .testCase()
    .className(className(result.suite.name, 'run'))
    .name('run')
    .error(problem, result.outcome, text)
    .standardOutput(text);
  return true;
}

export function junitXml(result: SuiteResult, events: readonly TimelineEvent[]): string {
  const ctx: Context = {
    result,
    byLine: eventsByLine(events),
    originNs: runOriginNs(events),
    htmlPath: result.reports?.html,
  };
  const builder = junit.newBuilder();
  const suites: TestSuite[] = [];
  const runSuite = builder.testSuite();
  if (addRunProblem(ctx, runSuite)) suites.push(runSuite);
  for (const step of result.steps) {
    const suite = builder.testSuite();
    addStep(ctx, suite, step);
    suites.push(suite);
  }
  const root = xmlbuilder.create('testsuites', { encoding: 'UTF-8', invalidCharReplacement: '' });
  root
    .att('name', result.suite.name)
    .att(
      'tests',
      suites.reduce((n, s) => n + s.getTestCaseCount(), 0),
    )
    .att(
      'failures',
      suites.reduce((n, s) => n + s.getFailureCount(), 0),
    )
    .att(
      'errors',
      suites.reduce((n, s) => n + s.getErrorCount(), 0),
    )
    .att('time', seconds(result.durationMs));
  for (const suite of suites) suite.build(root);
  return `${root.end({ pretty: true })}\n`;
}

export function writeJunit(result: SuiteResult, events: readonly TimelineEvent[], path: string): void {
  writeReportFile(path, junitXml(result, events));
}
