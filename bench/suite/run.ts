/*
 * bench/suite: a suite on a lab that is up (`havoc lab up --ha --name NAME`),
 * run through the CLI as a user runs it, timed from its own --json events:
 * the wall time, where each step's time goes, and the runner's own part of
 * it once the cluster is steady (the time between a step's end and the next
 * step's start, and from a step's start to the injection it asks for).
 *
 *   flock /tmp/havoc-lab.lock node --import tsx bench/suite/run.ts --lab NAME [--suite smoke] [--probe-interval 20ms] [--out DIR]
 *
 * --out keeps the run's reports (journal, JUnit, HTML) there, and its timeline as timeline.jsonl (the
 * evidence every verdict cites by line); without it they go with the scratch folder.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchArgs, usageError } from '../support/args.js';
import { markdownTable } from '../support/stats.js';

const USAGE =
  'flock /tmp/havoc-lab.lock node --import tsx bench/suite/run.ts --lab NAME [--suite smoke] [--probe-interval 20ms] [--out DIR]';
const values = benchArgs(USAGE, {
  lab: { type: 'string' },
  suite: { type: 'string', default: 'smoke' },
  'probe-interval': { type: 'string', default: '20ms' },
  out: { type: 'string' },
});
if (!values.lab) usageError('--lab NAME: a lab that is up (havoc lab up --ha --name NAME)', USAGE);
const scratch = mkdtempSync(join(tmpdir(), 'havoc-bench-suite-'));
const havoc = join(import.meta.dirname, '..', '..', 'cli', 'havoc.ts');
const started = performance.now();
const r = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    havoc,
    '--lab',
    values.lab,
    '--json',
    'suite',
    'run',
    values.suite,
    '--ledger',
    join(scratch, 'ledger'),
    '--probe-interval',
    values['probe-interval'],
    ...(values.out ? ['--out', values.out] : []),
  ],
  { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 },
);
const wallMs = performance.now() - started;
type Event = {
  type: string;
  step?: string;
  phase?: string;
  elapsedMs?: number;
  text?: string;
  outcome?: string;
};
const events = r.stdout
  .trim()
  .split('\n')
  .filter((l) => l.startsWith('{'))
  .map((l) => JSON.parse(l) as Event);
const result = events.at(-1) as Event & {
  durationMs: number;
  timeline?: string;
  steps: { step: string; name: string }[];
};
// The timeline is written beside the scratch ledger: copied out before the scratch folder goes.
const keptTimeline = values.out && result.timeline && existsSync(result.timeline);
if (keptTimeline) copyFileSync(result.timeline!, join(values.out!, 'timeline.jsonl'));
rmSync(scratch, { recursive: true, force: true });
const at = (step: string, phase: string) =>
  events.find((e) => e.type === 'step' && e.step === step && e.phase === phase)?.elapsedMs;
const note = (step: string, prefix: string) =>
  events.find((e) => e.type === 'note' && e.text?.startsWith(`${step} ${prefix}`))?.elapsedMs;
const rows = result.steps.map((s, i) => {
  const next = result.steps[i + 1];
  const d = (a: number | undefined, b: number | undefined) =>
    a === undefined || b === undefined ? '-' : `${b - a}`;
  return [
    `${s.step} ${s.name}`,
    d(at(s.step, 'start'), note(s.step, 'injecting')),
    d(note(s.step, 'injecting'), at(s.step, 'injected')),
    d(at(s.step, 'injected'), note(s.step, 'reverting')),
    d(note(s.step, 'reverting'), at(s.step, 'reverted')),
    d(at(s.step, 'reverted'), at(s.step, 'steady')),
    d(at(s.step, 'steady'), at(s.step, 'end')),
    next ? d(at(s.step, 'end'), at(next.step, 'start')) : '-',
  ];
});
console.log(
  `suite ${values.suite} on lab ${values.lab}: ${result.outcome}, exit ${r.status}, wall ${(wallMs / 1000).toFixed(1)} s (runner ${(result.durationMs / 1000).toFixed(1)} s), probes every ${values['probe-interval']}`,
);
console.log(
  markdownTable(
    [
      'step',
      'start->injecting (runner: selection, refusals, guardian, intent) ms',
      'inject+verify ms',
      'watch ms',
      'revert+verify ms',
      'steady wait ms',
      'steady->end (runner) ms',
      'end->next start (runner: crm_mon for the selectors) ms',
    ],
    rows,
  ),
);
if (keptTimeline) console.log(`timeline: ${join(values.out!, 'timeline.jsonl')}`);
if (r.status !== 0 && r.status !== 1 && r.status !== 5) console.error(r.stderr);
