import { Command } from 'commander';
import { bootId } from '../chaos/ledger/index.js';
import { measureProbe } from '../chaos/probes/measure.js';
import { describeProbeChange, ProbeStates } from '../chaos/probes/probe-state.js';
import { raiseToRealtime } from '../chaos/probes/realtime.js';
import { DEFAULT_PROBE_INTERVAL_MS, runProbe } from '../chaos/probes/run-probe.js';
import type { ProbeSample, SampleSink } from '../chaos/probes/sample.js';
import { openTimeline } from '../chaos/timeline/index.js';
import { HavocError } from '../core/errors.js';
import type { CommandEnv } from './command-env.js';
import { parseDurationMs } from './duration-option.js';
import { EXIT } from './exit-codes.js';
import { inventoryPathFor, loadForCli } from './inventory-option.js';
import { describeMeasurement, measurementJson, sawOutage } from './probe-report.js';

interface ProbeOpts {
  interval: string;
  for?: string;
  timeout?: string;
  out?: string;
  realtime?: boolean;
}

export function probeCommand(env: CommandEnv): Command {
  return new Command('probe')
    .description(
      "probe a VM's service (its inventory probe: http, tcp or icmp) open loop from this station; exit 1 when an outage was seen",
    )
    .argument('<vm>', 'VM name from the inventory')
    .option(
      '--interval <duration>',
      'one request every interval, whatever the earlier ones do',
      `${DEFAULT_PROBE_INTERVAL_MS}ms`,
    )
    .option('--for <duration>', 'how long to probe (default: until Ctrl-C)')
    .option(
      '--timeout <duration>',
      "a request unanswered this long failed (default: the probe's timeoutMs, or 500ms)",
    )
    .option(
      '--out <file>',
      'also write every sample to this timeline file (chaos/timeline JSON Lines, `havoc timeline` format)',
    )
    .option(
      '--realtime',
      'probe at real-time priority (SCHED_RR, root): sends stay on time on a loaded station',
    )
    .addHelpText(
      'after',
      '\nWith --json every sample is one JSON line on stdout as it settles, then a probe-summary line.\n' +
        'Ctrl-C stops sending and waits for the requests in flight; a second Ctrl-C abandons them.',
    )
    .action(
      env.run(async (vmName: string, opts: ProbeOpts, cmd: Command) => {
        const g = env.globals(cmd);
        const io = env.io(g);
        const intervalMs = parseDurationMs(opts.interval, '--interval');
        const forMs = opts.for === undefined ? undefined : parseDurationMs(opts.for, '--for');
        const timeoutMs = opts.timeout === undefined ? undefined : parseDurationMs(opts.timeout, '--timeout');
        const loaded = loadForCli(inventoryPathFor(g.inventory, env.streams.env, g.lab), io);
        const vm = loaded.inventory.vms.find((v) => v.name === vmName);
        if (!vm) {
          throw new HavocError('usage', `no VM "${vmName}" in ${loaded.file}`, {
            hint: loaded.inventory.vms.length
              ? `one of ${loaded.inventory.vms.map((v) => v.name).join(', ')}`
              : 'the inventory has no VMs',
          });
        }
        if (!vm.probe) {
          throw new HavocError('usage', `VM "${vmName}" has no probe in ${loaded.file}`, {
            hint: 'add vms[].probe (http, tcp or icmp) to the inventory',
          });
        }
        if (opts.realtime) await raiseToRealtime(process.pid);
        const samples: ProbeSample[] = [];
        // The timeline is the one on-disk form of samples: what the verdicts of a suite read.
        const timeline = opts.out === undefined ? undefined : openTimeline(opts.out);
        const run = `probe-${vmName}-${process.pid}`;
        timeline?.append({ kind: 'run', run, phase: 'start', bootId: bootId(), detail: { probe: vmName } });
        const states = new ProbeStates((c) => io.progress(describeProbeChange(c)));
        const sinks: SampleSink[] = [(s) => samples.push(s), states.sink];
        if (timeline) sinks.push((s) => timeline.append(s));
        if (g.json) sinks.push((s) => io.out(JSON.stringify(s)));
        const stop = new AbortController();
        const cancel = new AbortController();
        const onSigint = () => (stop.signal.aborted ? cancel.abort() : stop.abort());
        process.on('SIGINT', onSigint);
        const timer = forMs === undefined ? undefined : setTimeout(() => stop.abort(), forMs);
        io.progress(`probing ${vmName} (${vm.probe.type} ${vm.probe.address}) every ${intervalMs} ms ...`);
        try {
          await runProbe(
            { name: vmName, config: vm.probe },
            {
              intervalMs,
              ...(timeoutMs === undefined ? {} : { timeoutMs }),
              sink: (s) => {
                for (const sink of sinks) sink(s);
              },
              stop: stop.signal,
              cancel: cancel.signal,
            },
          );
        } finally {
          clearTimeout(timer);
          process.off('SIGINT', onSigint);
          if (timeline) {
            timeline.append({ kind: 'run', run, phase: 'end' });
            timeline.close();
          }
        }
        const m = measureProbe(samples);
        if (g.json) io.out(JSON.stringify(measurementJson(vmName, m)));
        else io.out(describeMeasurement(vmName, m).join('\n'));
        return sawOutage(m) ? EXIT.failed : EXIT.ok;
      }),
    );
}
