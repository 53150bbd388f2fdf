import { Command, Option } from 'commander';
import { HavocError } from '../core/errors.js';
import { readTimelineEvents } from '../suites/verdicts/timeline-events.js';
import type { CommandEnv } from './command-env.js';
import { EXIT } from './exit-codes.js';
import {
  describeTimeline,
  RECORD_KINDS,
  type RecordKind,
  timelineAccount,
  timelineJson,
} from './timeline-report.js';

const collect = (value: string, previous: string[]) => [
  ...previous,
  ...value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean),
];

export function timelineCommand(env: CommandEnv): Command {
  const timeline = new Command('timeline').description("read a run's timeline (chaos/timeline JSON Lines)");
  timeline
    .command('show')
    .description(
      'a run as a person reads it: steps, every ledger change, action and watcher event with its line and time from the start, and per probe: requests, failures, outages, restarts, lost writes (exit 3 for a corrupt or unreadable file)',
    )
    .argument('<file>', 'the timeline file (<ledger>/../timelines/<run>.jsonl, or probe --out)')
    .addOption(
      new Option('--probe <vm>', 'only this probe (repeatable, or comma-separated)')
        .argParser(collect)
        .default([], 'every probe'),
    )
    .addOption(
      new Option(
        '--kind <kind>',
        `only these kinds of record: ${RECORD_KINDS.join(', ')} (repeatable, or comma-separated; probe lists every sample)`,
      )
        .argParser(collect)
        .default([], 'all but probe samples, which are summarized'),
    )
    .action(
      env.run((file: string, opts: { probe: string[]; kind: string[] }, cmd: Command) => {
        const g = env.globals(cmd);
        const io = env.io(g);
        const bad = opts.kind.filter((k) => !(RECORD_KINDS as readonly string[]).includes(k));
        if (bad.length) {
          throw new HavocError('usage', `--kind ${bad.join(',')}: no such kind of record`, {
            hint: `one of ${RECORD_KINDS.join(', ')}`,
          });
        }
        const { events, tornLine } = readTimelineEvents(file);
        const known = new Set(events.flatMap((e) => (e.record.kind === 'probe' ? [e.record.probe] : [])));
        const unknown = opts.probe.filter((p) => !known.has(p));
        if (unknown.length) {
          throw new HavocError('usage', `--probe ${unknown.join(',')}: no samples of that probe in ${file}`, {
            hint: known.size
              ? `probes in it: ${[...known].sort().join(', ')}`
              : 'the timeline holds no probe samples',
          });
        }
        const account = timelineAccount(file, events, tornLine, {
          ...(opts.kind.length ? { kinds: opts.kind as RecordKind[] } : {}),
          ...(opts.probe.length ? { probes: opts.probe } : {}),
        });
        if (g.json) io.json(timelineJson(account));
        else io.out(describeTimeline(account).join('\n'));
        return EXIT.ok;
      }),
    );
  return timeline;
}
