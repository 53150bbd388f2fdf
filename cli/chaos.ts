import { Command } from 'commander';
import { FAULTS_AND_ACTIONS, faultByName } from '../chaos/faults/index.js';
import { injectFault } from '../chaos/inject.js';
import { describeCorrupt } from '../chaos/jsonl/read-lines.js';
import { readLedger, unreverted } from '../chaos/ledger/reader.js';
import { FAULT_STATES, type FaultState } from '../chaos/ledger/schema.js';
import { describeProbeChange } from '../chaos/probes/probe-state.js';
import { type RunObservers, startRunObservers } from '../chaos/run-observers.js';
import type { RunSession } from '../chaos/session.js';
import { abortableSleep } from '../core/deadline.js';
import { parseDuration } from '../core/duration.js';
import { HavocError } from '../core/errors.js';
import { ledgerDirFor, timelineDirFor } from './chaos-paths.js';
import type { CommandEnv } from './command-env.js';
import { EXIT } from './exit-codes.js';
import { inventoryPathFor, loadForCli } from './inventory-option.js';
import { renderTable } from './table.js';

interface InjectOpts {
  param: string[];
  probe?: string[];
  for: string;
  maxDuration?: string;
  ledger?: string;
  timelineDir?: string;
}

/** Slack the guardian gives a run past its hold before it reverts the fault itself. */
const DEFAULT_GRACE_MS = 60_000;

const collect = (value: string, previous: string[]) => [...previous, value];

function keyValues(pairs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of pairs) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new HavocError('usage', `-p takes key=value, not "${p}"`);
    out[p.slice(0, eq)] = p.slice(eq + 1);
  }
  return out;
}

/** What the probes and watchers of `--probe` saw, for the end of the run. */
function observedSummary(o: RunObservers, vms: readonly { name: string }[]) {
  return {
    probes: vms.map((v) => {
      const st = o.probes.get(v.name);
      return {
        vm: v.name,
        longestOutageMs: Math.round(Number(st?.longestOutageNs ?? 0n) / 1e6),
        restarts: st?.restarts ?? 0,
        up: st?.up === true,
        answered: st?.answered ?? 0,
      };
    }),
    fences: o.fences.map((f) => `${f.subject} ${JSON.stringify(f.fields ?? {})}`),
  };
}

export function chaosCommand(env: CommandEnv): Command {
  const chaos = new Command('chaos').description(
    'inject faults with a durable ledger on this station and a guardian that heals if the run dies',
  );

  chaos
    .command('list')
    .description('every fault and planned action havoc can inject')
    .action(
      env.run((_opts: unknown, cmd: Command) => {
        const g = env.globals(cmd);
        const io = env.io(g);
        const rows = FAULTS_AND_ACTIONS.map((f) => ({
          name: f.name,
          kind: f.kind,
          summary: f.summary,
          requiresFencing: f.requiresFencing,
          maxDurationMs: f.maxDurationMs,
        }));
        if (g.json) io.json(rows);
        else
          io.out(
            renderTable(
              ['NAME', 'KIND', 'NEEDS FENCING', 'WHAT'],
              rows.map((r) => [r.name, r.kind, r.requiresFencing ? 'yes' : 'no', r.summary]),
            ),
          );
        return EXIT.ok;
      }),
    );

  chaos
    .command('inject')
    .description(
      'inject a fault or run a planned action, verify it, hold it, revert it and verify the revert (Ctrl-C reverts at once)',
    )
    .argument('<fault>', 'fault or action name (havoc chaos list)')
    .argument('[targets...]', 'inventory objects the fault acts on (actions take -p key=value instead)')
    .option('-p, --param <key=value>', 'a fault or action parameter (repeatable)', collect, [])
    .option('--for <duration>', 'how long to hold the fault (500ms, 5s, 2m)', '30s')
    .option(
      '--max-duration <duration>',
      'the guardian reverts the fault after this, whatever the run does (default: --for + 60s)',
    )
    .option(
      '--ledger <dir>',
      "fault ledger directory (default: $HAVOC_LEDGER_DIR, the lab's, /var/lib/havoc/ledger)",
    )
    .option('--timeline-dir <dir>', "where the run's timeline goes (default: beside the ledger)")
    .option(
      '--probe <vm...>',
      'probe these VMs (their inventory probes, open loop) and watch the cluster around the fault; prints outages, restarts and fences as they happen and at the end',
    )
    .action(
      env.run(async (name: string, targets: string[], opts: InjectOpts, cmd: Command) => {
        const g = env.globals(cmd);
        const io = env.io(g);
        const fault = faultByName(name);
        const inventoryFile = inventoryPathFor(g.inventory, env.streams.env, g.lab);
        const loaded = loadForCli(inventoryFile, io);
        const holdMs = parseDuration(opts.for, '--for');
        const maxDurationMs = Math.min(
          fault.maxDurationMs,
          opts.maxDuration ? parseDuration(opts.maxDuration, '--max-duration') : holdMs + DEFAULT_GRACE_MS,
        );
        if (maxDurationMs < holdMs) {
          throw new HavocError(
            'usage',
            `--max-duration (${maxDurationMs} ms) is shorter than --for (${holdMs} ms)`,
            {
              hint: `${fault.name} may be held at most ${fault.maxDurationMs} ms`,
            },
          );
        }
        const ledgerDir = ledgerDirFor(opts.ledger, inventoryFile, env.streams.env);
        const stopAfter = env.streams.env.HAVOC_CHAOS_STOP_AFTER;
        if (stopAfter !== undefined && !FAULT_STATES.includes(stopAfter as FaultState))
          throw new HavocError('usage', `HAVOC_CHAOS_STOP_AFTER must be one of ${FAULT_STATES.join(', ')}`);
        const probed = (opts.probe ?? []).map((vmName) => {
          const vm = loaded.inventory.vms.find((v) => v.name === vmName);
          if (!vm)
            throw new HavocError('usage', `--probe: no VM "${vmName}" in ${loaded.file}`, {
              hint: `one of ${loaded.inventory.vms.map((v) => v.name).join(', ') || '(the inventory has no VMs)'}`,
            });
          if (!vm.probe)
            throw new HavocError('usage', `--probe: VM "${vmName}" has no probe in ${loaded.file}`, {
              hint: 'add vms[].probe (http, tcp or icmp) to the inventory',
            });
          return vm;
        });
        let observers: RunObservers | undefined;
        const hold = new AbortController();
        const interrupt = () => hold.abort(new Error('interrupted'));
        process.on('SIGINT', interrupt);
        process.on('SIGTERM', interrupt);
        try {
          const report = await injectFault({
            fault,
            rawParams: fault.fromCommandLine(targets, keyValues(opts.param), loaded.inventory),
            loaded,
            ledgerDir,
            timelineDir: timelineDirFor(opts.timelineDir, ledgerDir),
            holdMs,
            maxDurationMs,
            redactor: io.redactor,
            log: io.log,
            holdSignal: hold.signal,
            command: [
              'havoc',
              'chaos',
              'inject',
              name,
              ...targets,
              ...opts.param.flatMap((x) => ['-p', x]),
            ].join(' '),
            logLevel: g.logLevel,
            progress: (t) => io.progress(t),
            stopAfter: stopAfter as FaultState | undefined,
            ...(probed.length
              ? {
                  around: async (session: RunSession) => {
                    observers = startRunObservers(session, probed, {
                      onProbeChange: (c) => io.progress(describeProbeChange(c)),
                      onWatch: (r) =>
                        io.progress(`${r.wall} ${r.subject} ${r.event}: ${JSON.stringify(r.fields ?? {})}`),
                    });
                    const o = observers;
                    // A baseline before the fault: every probed VM answered once (or a few seconds passed).
                    const until = Date.now() + 10_000;
                    while (Date.now() < until && probed.some((v) => o.probes.get(v.name)?.up === undefined))
                      await abortableSleep(100);
                    return o;
                  },
                }
              : {}),
          });
          const seen = observers ? observedSummary(observers, probed) : undefined;
          if (g.json) io.json(seen ? { ...report, observed: seen } : report);
          else {
            io.out(`${report.summary} (fault ${report.fault}, guardian pid ${report.guardianPid})`);
            io.out(`injected: ${report.injected?.state ?? 'not observed'}`);
            for (const e of report.injected?.evidence ?? []) io.out(`  ${e}`);
            if (report.actionDetail) io.out(`done: ${JSON.stringify(report.actionDetail)}`);
            io.out(
              `reverted by ${report.reverted.by}: ${report.reverted.ok ? 'verified' : `NOT verified${report.reverted.reason ? ` (${report.reverted.reason})` : ''}`}`,
            );
            for (const e of report.reverted.evidence) io.out(`  ${e}`);
            if (report.error) io.err(`havoc: ${report.error}`);
            for (const p of seen?.probes ?? [])
              io.out(
                `probe ${p.vm}: longest outage ${p.longestOutageMs} ms, ${p.restarts} restart(s), ${p.up ? 'up' : 'DOWN'} at the end`,
              );
            for (const f of seen?.fences ?? []) io.out(`fence: ${f}`);
            if (seen && seen.fences.length === 0) io.out('fence: none seen');
            io.out(`ledger ${report.ledgerDir}, timeline ${report.timeline}`);
          }
          return report.ok ? EXIT.ok : EXIT.failed;
        } finally {
          process.off('SIGINT', interrupt);
          process.off('SIGTERM', interrupt);
        }
      }),
    );

  chaos
    .command('status')
    .description(
      'what the fault ledger holds: faults not reverted (exit 1 if any, or a corrupt line), --all for every fault',
    )
    .option('--all', 'also faults reverted or refused', false)
    .option('--ledger <dir>', 'fault ledger directory')
    .action(
      env.run((opts: { all: boolean; ledger?: string }, cmd: Command) => {
        const g = env.globals(cmd);
        const io = env.io(g);
        const dir = ledgerDirFor(opts.ledger, g.inventory, env.streams.env, g.lab);
        const view = readLedger(dir);
        const open = new Set(unreverted(view).map((f) => f.id));
        const faults = (opts.all ? view.faults : view.faults.filter((f) => open.has(f.id))).map((f) => {
          const last = f.history.at(-1)!;
          return {
            id: f.id,
            name: f.intended?.name ?? f.refused?.name,
            state: f.state,
            since: last.wall,
            by: last.by,
            summary:
              f.intended?.description.summary ??
              (f.refused ? `refused: ${f.refused.reasons.join('; ')}` : undefined),
            targets: f.intended?.description.targets ?? f.refused?.targets ?? [],
            detail: 'detail' in last ? last.detail : undefined,
          };
        });
        if (g.json)
          io.json({ ledgerDir: dir, faults, notReverted: open.size, corrupt: view.corrupt, torn: view.torn });
        else {
          io.out(`ledger ${dir}: ${open.size} fault(s) not reverted`);
          if (faults.length > 0)
            io.out(
              renderTable(
                ['FAULT', 'NAME', 'STATE', 'SINCE', 'BY', 'WHAT'],
                faults.map((f) => [
                  f.id,
                  f.name ?? '?',
                  f.state,
                  f.since,
                  f.by,
                  `${f.summary ?? '?'}${f.detail ? ` (${f.detail})` : ''}`,
                ]),
              ),
            );
          for (const c of view.corrupt) io.err(`havoc: corrupt ledger line ${describeCorrupt(c)}`);
        }
        return open.size === 0 && view.corrupt.length === 0 ? EXIT.ok : EXIT.failed;
      }),
    );

  return chaos;
}
