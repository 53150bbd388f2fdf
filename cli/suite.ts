import { join } from 'node:path';
import { Command } from 'commander';
import { FAULT_STATES, type FaultState } from '../chaos/ledger/schema.js';
import { HavocError } from '../core/errors.js';
import { type ListenAddress, parseListenAddress } from '../core/listen-address.js';
import type { LoadedInventory } from '../inventory/load.js';
import { BUILTIN_SUITES } from '../suites/builtin/index.js';
import { parseAlertWebhook } from '../suites/format/alert-webhook.js';
import {
  checkSuiteAgainst,
  type ParsedSuite,
  readSuite,
  suiteInventoryPath,
} from '../suites/format/load-suite.js';
import { FAULT_REGISTRY } from '../suites/format/registries.js';
import type { SuiteOutcome } from '../suites/result.js';
import { EXPECTATION_REGISTRY, JUDGE } from '../suites/runner/judge.js';
import { ledgerDirFor, timelineDirFor } from './chaos-paths.js';
import type { CommandEnv, GlobalOptions } from './command-env.js';
import { parseDurationMs } from './duration-option.js';
import { EXIT } from './exit-codes.js';
import { interruptOnSignals } from './interrupt.js';
import { inventoryPathFor, loadForCli } from './inventory-option.js';
import type { CliIo } from './io.js';
import { describeSuiteEvent, verdictTable } from './suite-progress.js';
import { renderTable } from './table.js';

interface RunOpts {
  seed?: string;
  repeat?: string;
  out?: string;
  pushgateway?: string;
  ledger?: string;
  timelineDir?: string;
  probeInterval?: string;
  alertWebhook?: string;
}

const EXIT_OF: Record<SuiteOutcome, number> = {
  pass: EXIT.ok,
  fail: EXIT.failed,
  inconclusive: EXIT.inconclusive,
  aborted: EXIT.aborted,
};

function intOption(text: string | undefined, what: string, min: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min)
    throw new HavocError('usage', `${what} takes a whole number of at least ${min}, not "${text}"`);
  return n;
}

/**
 * The suite and the inventory it runs on: the suite file's `inventory:`, else
 * -i / --lab / the lab's; and where the run's alert receiver listens:
 * --alert-webhook, else the file's `alertWebhook:` (a built-in suite expects
 * alerts only with one).
 */
function suiteAndInventory(
  nameOrFile: string,
  g: GlobalOptions,
  env: CommandEnv,
  io: CliIo,
  alertWebhookOption: string | undefined,
): { parsed: ParsedSuite; loaded: LoadedInventory; alertWebhook: ListenAddress | undefined } {
  const flag =
    alertWebhookOption === undefined ? undefined : parseAlertWebhook(alertWebhookOption, '--alert-webhook');
  let loaded: LoadedInventory | undefined;
  const fallback = () => {
    loaded ??= loadForCli(inventoryPathFor(g.inventory, env.streams.env, g.lab), io);
    return loaded;
  };
  const parsed = readSuite(nameOrFile, () => fallback().inventory, FAULT_REGISTRY, {
    alerts: flag !== undefined,
  });
  const own = suiteInventoryPath(parsed);
  if (own && g.inventory === undefined) loaded = loadForCli(own, io);
  const inv = fallback();
  checkSuiteAgainst(parsed, inv.inventory, { faults: FAULT_REGISTRY, expectations: EXPECTATION_REGISTRY });
  const fromFile = parsed.suite.alertWebhook;
  // The file's address was checked with its line and column above.
  const alertWebhook =
    flag ?? (fromFile === undefined ? undefined : parseListenAddress(fromFile, 'alertWebhook'));
  return { parsed, loaded: inv, alertWebhook };
}

const ALERT_WEBHOOK_HELP =
  "listen for Alertmanager's webhook notifications here (HOST:PORT, loopback or an address of this station) for alertFiredWithin and alertResolvedWithin; default: the suite's alertWebhook, else none";

export function suiteCommand(env: CommandEnv): Command {
  const suite = new Command('suite').description(
    'failover suites: inject faults and actions one after another, judge every expectation from the timeline, write reports',
  );

  suite
    .command('run')
    .description(
      'run a suite (a built-in name or a file): steady state first, then each step (inject, watch, revert, steady state again); exit 0 all pass, 1 a fail, 5 inconclusive, 6 aborted',
    )
    .argument('<suite>', 'a built-in suite (havoc suite list) or a suite file (YAML)')
    .option('--seed <n>', "seed of the selectors' random choices (default: the suite's, else 1)")
    .option('--repeat <n>', "run every step this many times (default: the suite's, else 1)")
    .option('--out <dir>', 'where the reports go (default: <ledger>/../reports/<run>)')
    .option('--pushgateway <url>', 'also push the results to this Prometheus Pushgateway (http://host:9091)')
    .option(
      '--ledger <dir>',
      "fault ledger directory (default: $HAVOC_LEDGER_DIR, the lab's, /var/lib/havoc/ledger)",
    )
    .option('--timeline-dir <dir>', "where the run's timeline goes (default: beside the ledger)")
    .option(
      '--probe-interval <duration>',
      "one probe request per VM every interval (default: the suite's probe.intervalMs, 20ms)",
    )
    .option('--alert-webhook <host:port>', ALERT_WEBHOOK_HELP)
    .addHelpText(
      'after',
      '\nCtrl-C reverts the step in progress and writes a partial report (exit 6). The run refuses to start while the\n' +
        'ledger holds faults not reverted (exit 6): run `havoc heal` first. With --json every event is one JSON line\n' +
        'on stdout as it happens, then the result.',
    )
    .action(
      env.run(async (name: string, opts: RunOpts, cmd: Command) => {
        const g = env.globals(cmd);
        const io = env.io(g);
        const { parsed, loaded, alertWebhook } = suiteAndInventory(name, g, env, io, opts.alertWebhook);
        const seed = intOption(opts.seed, '--seed', 0) ?? parsed.suite.seed;
        const repeat = intOption(opts.repeat, '--repeat', 1) ?? parsed.suite.repeat;
        const ledgerDir = ledgerDirFor(opts.ledger, loaded.file, env.streams.env);
        const stopAfter = env.streams.env.HAVOC_CHAOS_STOP_AFTER;
        if (stopAfter !== undefined && !FAULT_STATES.includes(stopAfter as FaultState))
          throw new HavocError('usage', `HAVOC_CHAOS_STOP_AFTER must be one of ${FAULT_STATES.join(', ')}`);
        const interrupt = interruptOnSignals(
          io,
          'interrupted: reverting the step in progress, then writing a partial report',
        );
        try {
          // Loaded here, not at start-up: every havoc command would otherwise pay for the runner and the reports.
          const [{ runSuite }, { writeReports }] = await Promise.all([
            import('../suites/runner/run-suite.js'),
            import('../suites/reports/index.js'),
          ]);
          const { result, events } = await runSuite({
            parsed,
            loaded,
            ledgerDir,
            timelineDir: timelineDirFor(opts.timelineDir, ledgerDir),
            seed,
            repeat,
            redactor: io.redactor,
            log: io.log,
            logLevel: g.logLevel,
            command: ['havoc', 'suite', 'run', name].join(' '),
            faults: FAULT_REGISTRY,
            judge: JUDGE,
            signal: interrupt.signal,
            listener: (e) => {
              if (g.json) io.out(JSON.stringify(e));
              else {
                const line = describeSuiteEvent(e);
                if (line !== undefined) io.progress(line);
              }
            },
            probeIntervalMs:
              opts.probeInterval === undefined
                ? parsed.suite.probe.intervalMs
                : parseDurationMs(opts.probeInterval, '--probe-interval'),
            ...(stopAfter ? { stopAfter: stopAfter as FaultState } : {}),
            alertWebhook,
          });
          const outDir = opts.out ?? join(ledgerDir, '..', 'reports', result.run);
          const written = await writeReports(result, events, outDir, {
            ...(opts.pushgateway ? { pushgateway: opts.pushgateway } : {}),
          });
          if (g.json) io.out(JSON.stringify({ type: 'result', ...result }));
          else {
            io.out(verdictTable(result));
            io.out(
              `${result.suite.name}: ${result.outcome.toUpperCase()}${result.abortReason ? ` (${result.abortReason})` : ''} in ${(result.durationMs / 1000).toFixed(1)} s, seed ${seed}`,
            );
            io.out(`reports: ${[written.json, written.junit, written.html].filter(Boolean).join(', ')}`);
            io.out(`timeline: ${result.timeline}`);
          }
          if (written.pushError) io.err(`havoc: ${written.pushError.describe()}`);
          else if (written.pushedTo && !g.json) io.out(`pushed to ${written.pushedTo}`);
          return EXIT_OF[result.outcome];
        } finally {
          interrupt.release();
        }
      }),
    );

  suite
    .command('list')
    .description('the built-in suites')
    .action(
      env.run((_opts: unknown, cmd: Command) => {
        const g = env.globals(cmd);
        const io = env.io(g);
        const rows = BUILTIN_SUITES.map((s) => ({ name: s.name, summary: s.summary }));
        if (g.json) io.json(rows);
        else
          io.out(
            renderTable(
              ['SUITE', 'WHAT'],
              rows.map((r) => [r.name, r.summary]),
            ),
          );
        return EXIT.ok;
      }),
    );

  suite
    .command('validate')
    .description(
      'check a suite file (or built-in) against the inventory without running anything: exit 0 valid, 3 with every problem located',
    )
    .argument('<suite>', 'a suite file (YAML) or a built-in name')
    .option('--alert-webhook <host:port>', `${ALERT_WEBHOOK_HELP} (checked, not listened on)`)
    .action(
      env.run((name: string, opts: { alertWebhook?: string }, cmd: Command) => {
        const g = env.globals(cmd);
        const io = env.io(g);
        const { parsed, loaded } = suiteAndInventory(name, g, env, io, opts.alertWebhook);
        const steps = parsed.suite.steps.map((s) => ({
          name: s.name,
          fault: s.fault,
          expect: s.expect.map((e) => Object.keys(e)[0]),
        }));
        if (g.json)
          io.json({
            suite: parsed.suite.name,
            file: parsed.file,
            inventory: loaded.file,
            valid: true,
            steps,
          });
        else io.out(`${parsed.file}: valid (${steps.length} step(s), inventory ${loaded.file})`);
        return EXIT.ok;
      }),
    );
  return suite;
}
